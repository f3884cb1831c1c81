"""A person's own calendar (RFC 5545) reduced to busy stretches: times only; titles are read, never kept.

Expanded with recurring-ical-events (RRULE, RDATE, EXDATE, moved occurrences). What counts as busy:
timed events that are not free (TRANSP:TRANSPARENT, Outlook's FREE) nor cancelled; all-day events only
when they say out of office (Outlook's X-MICROSOFT-CDO-BUSYSTATUS:OOF, or words like "vacation" in the
title, which is how Google calendars mark them): birthdays and reminders are all-day too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

MAX_INTERVALS = 1000  # per person: a pathological feed (a minutely rule) can't flood the table

_AWAY_WORDS = re.compile(
    r"\b(out of (the )?office|ooo|vacation|holidays?|annual leave|on leave|pto|off sick|sick leave)\b",
    re.IGNORECASE,
)
_OUTLOOK_STATUS = "X-MICROSOFT-CDO-BUSYSTATUS"


class Unreadable(ValueError):
    """The body is not a calendar we can read."""


@dataclass(frozen=True, order=True)
class Busy:
    starts_at: datetime  # aware UTC
    ends_at: datetime
    out_of_office: bool = False


def busy_times(body: bytes, start: datetime, end: datetime, zone: ZoneInfo) -> list[Busy]:
    """The busy stretches overlapping [start, end), sorted; `zone` places all-day and floating events."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
        occurrences = recurring_ical_events.of(calendar).between(start, end)
    except Exception as error:  # the libraries raise many kinds for a malformed file
        raise Unreadable(type(error).__name__) from None
    found = {busy for event in occurrences if (busy := _busy(event, zone)) is not None}
    return sorted(b for b in found if b.starts_at < end and b.ends_at > start)[:MAX_INTERVALS]


def _busy(event: Any, zone: ZoneInfo) -> Busy | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return None
    status = str(event.get(_OUTLOOK_STATUS, "")).upper()
    if status == "FREE":
        return None
    try:
        first, last = event.start, event.end
    except Exception:  # no DTSTART: an event with no time is busy at no time
        return None
    if isinstance(first, datetime):
        starts, ends = _instant(first, zone), _instant(last, zone)
        return Busy(starts, ends, out_of_office=status == "OOF") if ends > starts else None
    if not isinstance(first, date):
        return None
    if status != "OOF" and not _AWAY_WORDS.search(str(event.get("SUMMARY", ""))):
        return None
    last_day = last if isinstance(last, date) and not isinstance(last, datetime) else first + timedelta(1)
    return Busy(_midnight(first, zone), _midnight(max(last_day, first + timedelta(1)), zone), True)


def _instant(value: datetime, zone: ZoneInfo) -> datetime:
    # A floating time ("09:00", no zone) is the person's own 09:00.
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
