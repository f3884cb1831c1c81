"""The pulse in Slack (issue 14, part 1): the check-in buttons in a prompt, the trend in agenda and Home.

Shown only in what goes to one of the pair (their prompt, agenda reply, agenda modal, Home tab): never in
a summary or a channel.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock

from bot.domain.pulse import SCALE, Feeling, sparkline
from bot.services.agenda import AgendaView
from bot.services.pulse import CheckIn, PulseView, Trend
from bot.slack import ids
from bot.slack.blocks.common import context, section
from bot.slack.text import mention

QUESTIONS = {
    Feeling.HAPPY: "How happy are you at work these days?",
    Feeling.CHALLENGED: "How challenged do you feel by your work, in a good way?",
    Feeling.STRESSED: "How stressed have you felt lately?",
    Feeling.ENGAGED: "How engaged do you feel in what you're working on?",
}
WHO_SEES = "Only you two see this, as a trend. Optional; change it until the meeting starts."


def check_in_blocks(view: AgendaView) -> list[Block]:
    """The viewer's own one-tap check-in, in their pre-meeting prompt."""
    check_in = view.pulse.check_in if view.pulse else None
    if check_in is None:
        return []
    blocks: list[Block] = [
        DividerBlock(),  # after the agenda: the prompt opens with last time and the topics
        section(f":wave: *How are you doing?* One tap each, from 1 (not at all) to 5 (very).\n_{WHO_SEES}_"),
    ]
    for feeling in Feeling:
        blocks.append(context(QUESTIONS[feeling]))
        blocks.append(ActionsBlock(block_id=f"pulse_{feeling.value}", elements=_scale(check_in, feeling)))
    return blocks


def trend_blocks(view: AgendaView) -> list[Block]:
    """The pair's trend, in the agenda (prompt, `/1on1 agenda`, the agenda modal)."""
    return home_blocks(view.pulse)


def home_blocks(pulse: PulseView | None) -> list[Block]:
    """The pair's trend on the Home tab: one small block (the Home tab has a 100-block budget)."""
    if pulse is None or not pulse.trends:
        return []
    span = "the last meeting" if pulse.meetings == 1 else f"the last {pulse.meetings} meetings"
    lines = [f":bar_chart: *Pulse* over {span}, only you two see it"]
    lines.extend(_trend_line(trend) for trend in pulse.trends)
    return [context("\n".join(lines))]


def _scale(check_in: CheckIn, feeling: Feeling) -> list[ButtonElement]:
    chosen = check_in.scores.get(feeling)
    return [
        ids.PULSE_TAPS[score - 1].element(
            str(score), (check_in.meeting_id, feeling, score), style="primary" if score == chosen else None
        )
        for score in SCALE
    ]


def _trend_line(trend: Trend) -> str:
    who = "Your pulse" if trend.is_viewer else f"{mention(trend.user_id)}'s pulse"
    lines = "  ".join(f"{feeling.value} `{sparkline(trend.values[feeling])}`" for feeling in Feeling)
    said = f" — _{', '.join(run.words() for run in trend.runs)}_" if trend.runs else ""
    return f"{who}: {lines}{said}"
