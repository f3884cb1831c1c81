""" "Last time" and the status-only nudge in Slack (issue 14, part 3)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.services.agenda import AgendaView
from bot.services.last_time import LastTime, StatusNudge
from bot.slack.blocks.common import section
from bot.slack.dates import slack_date
from bot.slack.text import escape, escape_clipped, mention

# One section, well inside Slack's 3,000 characters: a few lines each clipped, the rest counted.
POINT_CHARS = 200
ITEM_CHARS = 100
SHOWN = 3  # decisions, items done and topics not covered named; the rest are "N more"
WHY = "They're useful, and they could go in a message; 1:1 time is best for what a message can't do."


def last_time_blocks(view: AgendaView) -> list[Block]:
    """What the previous meeting agreed: first in every prompt and agenda."""
    last = view.last_time
    if last is None:
        return []
    lines = [f":leftwards_arrow_with_hook: *Last time* ({slack_date(last.starts_at, view.timezone)})"]
    lines.extend(_points(last))
    if last.decisions:
        lines.append(f"*Decided:* {_named(last.decisions, POINT_CHARS)}")
    if last.done_since:
        lines.append(f"*Done since:* {_named(last.done_since, ITEM_CHARS)}")
    if last.not_covered:
        lines.append(f"*Not covered, carried over:* {_named(last.not_covered, ITEM_CHARS)}")
    return [section("\n".join(lines))]


def _points(last: LastTime) -> list[str]:
    if not last.key_points:
        return [] if last.decisions else ["_No key points were written._"]
    points = [escape_clipped(point, POINT_CHARS) for point in last.key_points]
    if last.more and not points[-1].endswith("…"):
        points[-1] += " …"
    # A quote: what they wrote, set apart from the bot's words (their own ">" arrives escaped, so it can't).
    return [f"> {point}" for point in points]


def _named(texts: Sequence[str], limit: int) -> str:
    shown = " · ".join(escape_clipped(text, limit) for text in texts[:SHOWN])
    rest = len(texts) - SHOWN
    return shown + (f" and {rest} more" if rest > 0 else "")


def nudge_blocks(view: AgendaView) -> list[Block]:
    """A kind word when the report's agenda is only status updates, with a question to try."""
    nudge = view.status_nudge
    if nudge is None:
        return []
    mine = nudge.report_user_id == view.viewer_user_id
    said = (
        "Your agenda so far is status updates."
        if mine
        else f"So far {mention(nudge.report_user_id)}'s topics are status updates."
    )
    return [section(f":seedling: {said} {WHY} {_suggestion(view, nudge, mine)}")]


def _suggestion(view: AgendaView, nudge: StatusNudge, mine: bool) -> str:
    if nudge.question is None:
        return "Maybe talk about how things are going, what to learn next, or feedback both ways."
    if nudge.question == view.question:  # the meeting's own question, just below: not said twice
        return "Maybe start with the question below."
    return f"Maybe {'add' if mine else 'ask'} this one:\n> _{escape(nudge.question)}_"
