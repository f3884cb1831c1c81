"""Finding reschedule slots inside both people's working hours, each in their own time zone.

When two people's working hours never overlap (New York and Tokyo), the slots closest to both are
offered instead, and each person is told whose morning or evening it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORK_START, WORK_END = time(9), time(17)
WORK_DAYS = frozenset(range(5))  # Monday to Friday
STEP = timedelta(minutes=30)
SEARCH = timedelta(days=10)
EARLIEST = timedelta(hours=1)  # give people a moment: no slot in the next hour


@dataclass(frozen=True)
class Attendee:
    key: str  # the caller's name for this person (a Slack id)
    timezone: str


@dataclass(frozen=True)
class LocalView:
    key: str
    local: datetime
    outside_hours: bool
    label: str | None  # "early morning", "evening", "night", "weekend" when outside working hours


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
    candidates = [start for start in _candidate_starts(now) if not _clashes(start, duration, busy or [])]
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


def _cost(start: datetime, duration: timedelta, attendees: list[Attendee]) -> tuple[int, int]:
    each = [_outside(start, duration, a.timezone) for a in attendees]
    return sum(each), max(each)


def _outside(start: datetime, duration: timedelta, timezone: str) -> int:
    """How far, in minutes, the slot sticks out of the person's working day (0 when inside).

    Distance rather than overlap, so 18:00 scores better than 21:00 for someone who stops at 17:00.
    """
    zone = ZoneInfo(timezone)
    local_start, local_end = start.astimezone(zone), (start + duration).astimezone(zone)
    # A weekend, or a slot running over midnight, is a far bigger ask than a weeknight.
    if local_start.weekday() not in WORK_DAYS or local_end.date() != local_start.date():
        return 24 * 60
    begin, end = _minutes(local_start.time()), _minutes(local_end.time())
    return max(0, _minutes(WORK_START) - begin) + max(0, end - _minutes(WORK_END))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def describe(start: datetime, attendees: list[Attendee]) -> Slot:
    """How a slot looks to each attendee: local time, and whose morning or evening it is."""
    views = []
    for attendee in attendees:
        local = start.astimezone(ZoneInfo(attendee.timezone))
        label = _label(local)
        views.append(LocalView(attendee.key, local, label is not None, label))
    return Slot(start, tuple(views))


def _label(local: datetime) -> str | None:
    if local.weekday() not in WORK_DAYS:
        return "weekend"
    if WORK_START <= local.time() < WORK_END:
        return None
    if time(6) <= local.time() < WORK_START:
        return "early morning"
    if WORK_END <= local.time() < time(21):
        return "evening"
    return "night"
