"""The pulse in Slack (issue 14, part 1): the check-in buttons in a prompt, the trend in agenda and Home."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.services.agenda import AgendaView
from bot.services.pulse import PulseView


def check_in_blocks(view: AgendaView) -> list[Block]:
    """The viewer's own one-tap check-in, in their pre-meeting prompt."""
    return []


def trend_blocks(view: AgendaView) -> list[Block]:
    """The pair's trend, in the agenda (prompt, `/1on1 agenda`, the agenda modal)."""
    return []


def home_blocks(pulse: PulseView | None) -> list[Block]:
    """The pair's trend on the Home tab."""
    return []
