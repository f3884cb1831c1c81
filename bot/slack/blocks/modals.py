"""Modals: adding a topic to a specific meeting, of a kind (a template), a concern only by the manager."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.slack.blocks.templates import kind_options
from bot.slack.forms.state import VALUE
from bot.slack.ids import ADD_TOPIC_MODAL, TOPIC_BLOCK, TOPIC_INPUT, TOPIC_KIND_BLOCK, TOPIC_SHARE_BLOCK

KIND_LABEL = "Kind"
SHARE_LABEL = "Performance concern"
SHARE_OPTION = "Share it with them before the meeting"
SHARE_VALUE = "share"


def add_topic_modal(meeting_id: int, *, leads: bool = False) -> dict[str, Any]:
    """`leads`: the opener leads the 1:1, so may raise a performance concern (and share it early)."""
    blocks: list[Block] = [
        InputBlock(
            block_id=TOPIC_BLOCK,
            label="What would you like to talk about?",
            element=PlainTextInputElement(
                action_id=TOPIC_INPUT,
                multiline=True,
                max_length=TOPIC_MAX_CHARS,
                placeholder="e.g. how the on-call rotation is going",
            ),
        ),
        _kind(leads),
    ]
    if leads:
        blocks.append(_share())
    return View(
        type="modal",
        callback_id=ADD_TOPIC_MODAL,
        private_metadata=str(meeting_id),
        title="Add a topic",
        submit="Add",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def _kind(leads: bool) -> InputBlock:
    options = kind_options(leads=leads)  # a plain topic first: the default
    return InputBlock(
        block_id=TOPIC_KIND_BLOCK,
        label=KIND_LABEL,
        hint="A template adds prompts to fill in during the meeting; the summary records each step.",
        element=StaticSelectElement(action_id=VALUE, options=options, initial_option=options[0]),
    )


def _share() -> InputBlock:
    return InputBlock(
        block_id=TOPIC_SHARE_BLOCK,
        label=SHARE_LABEL,
        optional=True,
        hint="A concern is shown to you alone until the meeting starts, unless you share it now.",
        element=CheckboxesElement(action_id=VALUE, options=[Option(value=SHARE_VALUE, text=SHARE_OPTION)]),
    )
