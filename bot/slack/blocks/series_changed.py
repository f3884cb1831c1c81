"""What an edit of a series changed, old → new, in the reader's own zone: the other person's message, and
the lines the editor's confirmation shows too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.cadence import Cadence
from bot.domain.series_change import Change, Field, Slot
from bot.services.messages.series_changed import SeriesChanged
from bot.slack.blocks.common import WEEKDAY_NAMES, Message, bullets, section, to_dicts
from bot.slack.dates import slack_date
from bot.slack.text import mention

CADENCE_WORDS = {Cadence.WEEKLY: "weekly", Cadence.BIWEEKLY: "every two weeks", Cadence.MONTHLY: "monthly"}


def series_changed_message(change: SeriesChanged) -> Message:
    head = f":pencil2: {mention(change.by_user_id)} changed your 1:1 together:"
    lines = change_lines(change.changes, change.timezone, change.reader_user_id)
    after = "Meetings already held or skipped stay as they were."
    if change.next_starts_at is not None:
        after = f"The next one is {slack_date(change.next_starts_at, change.timezone)}. {after}"
    return {
        "text": f"{mention(change.by_user_id)} changed your 1:1 together.",
        "blocks": to_dicts([section(bullets(head, lines)), section(after)]),
    }


def change_lines(changes: Sequence[Change], timezone: str, reader_user_id: str) -> list[str]:
    """One line per change, old → new; times as seen in `timezone`, the leader as "you" to the reader."""
    return [_line(change, timezone, reader_user_id) for change in changes]


def _line(change: Change, timezone: str, reader: str) -> str:
    old, new = change.old, change.new
    if change.field is Field.CADENCE:
        return f"How often: {CADENCE_WORDS[Cadence(old)]} → *{CADENCE_WORDS[Cadence(new)]}*"
    if change.field is Field.WHEN:
        return f"When: {_slot(old)} → *{_slot(new)}* (your time, {timezone})"
    if change.field is Field.NEXT:
        return f"Next meeting: {_date(old, timezone)} → *{_date(new, timezone)}*"
    if change.field is Field.LENGTH:
        return f"Length: {old} → *{new} minutes*"
    if change.field is Field.LEAD:
        return f"Topics asked for: {_hours(old)} → *{_hours(new)}* before each meeting"
    return f"Who leads: {_who(old, reader)} → *{_who(new, reader)}*"


def _slot(slot: Slot | None) -> str:
    return f"{WEEKDAY_NAMES[slot.weekday]}s at {slot.local_time:%H:%M}" if slot else "no date"


def _date(instant: datetime | None, timezone: str) -> str:
    return slack_date(instant, timezone) if instant else "no date"


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if rest:
        return f"{minutes} minutes"
    return "1 hour" if hours == 1 else f"{hours} hours"


def _who(user_id: str | None, reader: str) -> str:
    if not user_id:
        return "nobody"
    return "you" if user_id == reader else mention(user_id)
