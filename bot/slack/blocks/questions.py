"""The question-bank suggestion in an agenda, and *Not useful*, which retires it for the pair (issue 14)."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.services.agenda import AgendaView
from bot.slack import ids
from bot.slack.blocks.clicks import Answer
from bot.slack.blocks.common import context
from bot.slack.text import escape

NOT_USEFUL = "Not useful"


def question_blocks(view: AgendaView) -> list[Block]:
    if not view.question:
        return []
    blocks: list[Block] = [
        context(f":thought_balloon: *Something to think about:* _{escape(view.question)}_")
    ]
    if view.meeting_id is not None and view.question_key:
        # In an actions block of its own, like the agenda's other buttons: the read-only agenda modal
        # leaves those out, where a click would have no message to answer under.
        blocks.append(ActionsBlock(elements=[ids.QUESTION_NOT_USEFUL.element(NOT_USEFUL, view.meeting_id)]))
    return blocks


def question_retired() -> Answer:
    """The answer to *Not useful*: to the clicker alone, under the message (which stays as it was)."""
    return {
        "replace_original": False,
        "response_type": "ephemeral",
        "text": "Got it: I won't suggest that question to the two of you again.",
    }
