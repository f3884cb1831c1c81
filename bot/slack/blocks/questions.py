"""The question-bank suggestion in an agenda (issue 14, part 5 adds "Not useful")."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.services.agenda import AgendaView
from bot.slack.blocks.common import context
from bot.slack.text import escape


def question_blocks(view: AgendaView) -> list[Block]:
    if not view.question:
        return []
    return [context(f":thought_balloon: *Something to think about:* _{escape(view.question)}_")]
