"""Finding reschedule slots inside both people's working hours, each in their own time zone.

Each person's days and hours are their own (Settings; Monday to Friday, 09:00 to 17:00 by default). When
two people's working hours never overlap (New York and Tokyo), the slots closest to both are offered
instead, and each person is told whose morning or evening it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.settings import DEFAULT_DAYS, DEFAULT_END, DEFAULT_HOURS, DEFAULT_START, WorkingHours

# The defaults, for someone who never set their own.
WORK_START, WORK_END, WORK_DAYS = DEFAULT_START, DEFAULT_END, DEFAULT_DAYS
STEP = timedelta(minutes=30)
SEARCH = timedelta(days=10)
EARLIEST = timedelta(hours=1)  # give people a moment: no slot in the next hour


@dataclass(frozen=True)
class Attendee:
    key: str  # the caller's name for this person (a Slack id)
    timezone: str
    hours: WorkingHours = DEFAULT_HOURS  # on their own clock
    # Days they are away (time away, public holidays, out of office), on their own calendar: never a slot.
    days_off: frozenset[date] = frozenset()


@dataclass(frozen=True)
class LocalView:
    key: str
    local: datetime
    outside_hours: bool
    # When outside working hours: "weekend" or "day off", else the time of day ("early morning", "evening"…).
    label: str | None


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    views: tuple[LocalView, ...]

    @property
    def inside_everyones_hours(self) -> bool:
        return not any(view.outside_hours for view in self.views)


def find_slots(
    attendees: list[Attendee],
    now: datetime,
    duration: timedelta,
    *,
    count: int = 4,
    busy: list[tuple[datetime, datetime]] | None = None,
) -> list[Slot]:
    """Up to `count` slots on different days, soonest first.

    Slots inside everyone's working hours when there are any; otherwise the ones that fall least
    outside them. `busy` intervals (other meetings) are avoided.
    """
    candidates = [
        start
        for start in _candidate_starts(now)
        if not _clashes(start, duration, busy or []) and not _on_day_off(start, duration, attendees)
    ]
    # Least total time outside working hours; among equals, the fairest split, then the soonest.
    scored = [(*_cost(start, duration, attendees), start) for start in candidates]
    if not scored:
        return []
    best = min(score for score, _, _ in scored)
    # Within everyone's hours if possible; else the best compromises, one a day.
    limit = best if best == 0 else best + 30
    chosen: list[datetime] = []
    days: set[str] = set()
    for score, _, start in sorted(scored):
        if score > limit or len(chosen) == count:
            break
        day = start.astimezone(ZoneInfo(attendees[0].timezone)).date().isoformat()
        if day not in days:
            days.add(day)
            chosen.append(start)
    return [describe(start, attendees) for start in sorted(chosen)]


def _candidate_starts(now: datetime) -> list[datetime]:
    first = _round_up(now.astimezone(UTC) + EARLIEST)
    return [first + STEP * index for index in range(int(SEARCH / STEP))]


def _round_up(instant: datetime) -> datetime:
    floor = instant.replace(minute=0, second=0, microsecond=0)
    while floor < instant:
        floor += STEP
    return floor


def _clashes(start: datetime, duration: timedelta, busy: list[tuple[datetime, datetime]]) -> bool:
    end = start + duration
    return any(start < other_end and other_start < end for other_start, other_end in busy)


def _on_day_off(start: datetime, duration: timedelta, attendees: list[Attendee]) -> bool:
    """Whether the slot touches a day someone is away (its start's or its end's day, on their clock)."""
    for attendee in attendees:
        if attendee.days_off:
            zone = ZoneInfo(attendee.timezone)
            days = {start.astimezone(zone).date(), (start + duration).astimezone(zone).date()}
            if days & attendee.days_off:
                return True
    return False


def _cost(start: datetime, duration: timedelta, attendees: list[Attendee]) -> tuple[int, int]:
    each = [_outside(start, duration, a) for a in attendees]
    return sum(each), max(each)


def _outside(start: datetime, duration: timedelta, attendee: Attendee) -> int:
    """How far, in minutes, the slot sticks out of the person's own working day (0 when inside)."""
    zone = ZoneInfo(attendee.timezone)
    return attendee.hours.minutes_outside(start.astimezone(zone), (start + duration).astimezone(zone))


def describe(start: datetime, attendees: list[Attendee]) -> Slot:
    """How a slot looks to each attendee: local time, and whose morning or evening it is."""
    views = []
    for attendee in attendees:
        local = start.astimezone(ZoneInfo(attendee.timezone))
        label = _label(local, attendee.hours)
        views.append(LocalView(attendee.key, local, label is not None, label))
    return Slot(start, tuple(views))


# The words for a time of day, by when each part starts (a person's hours decide whether it is outside).
_PARTS_OF_DAY = ((time(21), "night"), (time(17), "evening"), (time(12), "afternoon"), (time(9), "morning"))


def _label(local: datetime, hours: WorkingHours) -> str | None:
    if local.weekday() not in hours.days:
        return "weekend" if local.weekday() >= 5 else "day off"
    if hours.contains(local):
        return None
    if local.time() < time(6):
        return "night"
    if local.time() < time(9):
        return "early morning"
    return next(word for begins, word in _PARTS_OF_DAY if local.time() >= begins)
