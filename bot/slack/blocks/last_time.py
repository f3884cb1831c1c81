""" "Last time" and the status-only nudge in Slack (issue 14, part 3)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.services.agenda import AgendaView


def last_time_blocks(view: AgendaView) -> list[Block]:
    """What the previous meeting agreed: first in every prompt and agenda."""
    return []


def nudge_blocks(view: AgendaView) -> list[Block]:
    """A kind word when the report's agenda is only status updates, with a question to try."""
    return []
