"""The summary form: key points, topics covered, up to five action items, a private note."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.agenda import NOTE_MAX_CHARS, TOPIC_MAX_CHARS
from bot.services.summaries import KEY_POINTS_MAX_CHARS, SummaryForm
from bot.slack.ids import ACTION_SLOTS, COVERED, KEY_POINTS, NOTE, SUMMARY_MODAL, action_block
from bot.slack.text import plain

MAX_TOPIC_OPTIONS = 10  # Slack allows ten checkboxes per element


def summary_modal(form: SummaryForm) -> dict[str, Any]:
    blocks: list[Any] = [
        InputBlock(
            block_id=KEY_POINTS,
            label="Key points",
            optional=True,
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=KEY_POINTS_MAX_CHARS,
                placeholder="What you talked about and agreed",
            ),
        ),
    ]
    if form.topics:
        options = [
            Option(value=str(t.id), text=_short(plain(t.text), 75)) for t in form.topics[:MAX_TOPIC_OPTIONS]
        ]
        blocks.append(
            InputBlock(
                block_id=COVERED,
                label="Topics you covered (the rest carry over)",
                optional=True,
                element=CheckboxesElement(action_id="value", options=options),
            )
        )
    for index in range(1, ACTION_SLOTS + 1):
        blocks.append(
            InputBlock(
                block_id=action_block(index, "text"),
                label=f"Action item {index}",
                optional=True,
                element=PlainTextInputElement(action_id="value", max_length=TOPIC_MAX_CHARS),
            )
        )
        blocks.append(
            InputBlock(
                block_id=action_block(index, "owner"),
                label="Owner",
                optional=True,
                element=UserSelectElement(action_id="value", initial_user=form.actor_user_id),
            )
        )
        blocks.append(
            InputBlock(
                block_id=action_block(index, "due"),
                label="Due",
                optional=True,
                element=DatePickerElement(action_id="value"),
            )
        )
    blocks.append(
        InputBlock(
            block_id=NOTE,
            label="Private note",
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=NOTE_MAX_CHARS),
        )
    )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=":lock: The private note is for you alone: never posted, never shown to anyone else."
                )
            ]
        )
    )
    return View(
        type="modal",
        callback_id=SUMMARY_MODAL,
        private_metadata=str(form.meeting_id),
        title="1:1 summary",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
