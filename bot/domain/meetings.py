"""A meeting's life cycle (DESIGN.md, "The meeting's life")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.cadence import first_meeting_date, local_wall_time_to_utc, to_local
from bot.domain.errors import DomainError

DEFAULT_LEAD = timedelta(hours=24)
# Meetings exist as rows this far ahead; the tick extends the window weekly, so rows always reach at
# least five weeks out: a monthly series' next meeting (at most five weeks away) is always a row.
HORIZON = timedelta(days=42)


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"
    AWAY = "away"  # either person was away (time away, a holiday, out of office): not held, never missed


def prompt_time(starts_at: datetime, lead: timedelta) -> datetime:
    """When both people are asked for topics; a meeting sooner than the lead is prompted at once."""
    return starts_at - lead


def moved_start(day: date | int | str, at: time, timezone: str, now: datetime) -> datetime:
    """The UTC start of `reschedule <day> <HH:MM>` in the caller's zone: a date, a weekday or "tomorrow".

    A weekday means the next one whose time is still ahead, so "fri 16:00" on a Friday morning is today.
    """
    today = to_local(now, timezone).date()
    if day == "tomorrow":
        target = today + timedelta(days=1)
    elif isinstance(day, int):
        target = first_meeting_date(day, today)
        if local_wall_time_to_utc(target, at, timezone) <= now:
            target += timedelta(days=7)
    elif isinstance(day, date):
        target = day
    else:
        raise ValueError(f"not a day: {day!r}")
    starts_at = local_wall_time_to_utc(target, at, timezone)
    if starts_at <= now:
        raise DomainError("That time has already passed; pick a time that is still ahead.")
    if starts_at - now > timedelta(days=366):
        raise DomainError("That's more than a year away; pick a time within the next year.")
    return starts_at


# After a meeting: how long to wait for a summary before nudging, and between nudges.
GRACE = timedelta(hours=24)
MAX_NUDGES = 2
# A meeting that ended longer ago than this (the clock was down) is counted, not chased.
TOO_LATE_TO_CHASE = timedelta(days=7)
HEALTH_WINDOW = 8  # `/1on1 list` shows how the last eight meetings went
