"""Modals: adding a topic to a specific meeting."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.slack.ids import ADD_TOPIC_MODAL, TOPIC_BLOCK, TOPIC_INPUT


def add_topic_modal(meeting_id: int) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=ADD_TOPIC_MODAL,
        private_metadata=str(meeting_id),
        title="Add a topic",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=TOPIC_BLOCK,
                label="What would you like to talk about?",
                element=PlainTextInputElement(
                    action_id=TOPIC_INPUT,
                    multiline=True,
                    max_length=TOPIC_MAX_CHARS,
                    placeholder="e.g. how the on-call rotation is going",
                ),
            )
        ],
    ).to_dict()
