"""A series' rule and its occurrences: local wall time in an IANA zone, concrete instants in UTC.

A meeting stays at its local wall time across DST changes. On a spring-forward day a wall time
that does not exist moves forward by the gap (02:30 -> 03:30); on a fall-back day an ambiguous
wall time takes the first (earlier) instant. Both follow from PEP 495 `fold=0`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from dateutil.rrule import weekday as rrule_weekday

from bot.domain.errors import InvalidTimezone

TIMEZONE_MAX_CHARS = 64  # the width of the stored column; no IANA name comes close


class Cadence(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


_WEEKS_BETWEEN = {Cadence.WEEKLY: 1, Cadence.BIWEEKLY: 2}


def validate_timezone(name: str) -> str:
    """`name` if it is a time zone this machine knows, else InvalidTimezone."""
    hint = "Use an IANA name such as Europe/Berlin or America/New_York."
    if not name or len(name) > TIMEZONE_MAX_CHARS:
        raise InvalidTimezone(f"“{name}” is not a time zone. {hint}")
    try:
        ZoneInfo(name)
    # ValueError: malformed keys ("../x", "/abs"); OSError: a directory such as "America".
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidTimezone(f"“{name}” is not a time zone I know. {hint}") from None
    return name


@dataclass(frozen=True)
class SeriesRule:
    cadence: Cadence
    weekday: int  # 0 = Monday … 6 = Sunday
    local_time: time  # naive wall time in `timezone`
    duration_minutes: int
    timezone: str  # IANA name
    first_date: date  # the first meeting; falls on `weekday`

    def __post_init__(self) -> None:
        # Accept the stored string form ("weekly") as well as the enum.
        object.__setattr__(self, "cadence", Cadence(self.cadence))
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.first_date.weekday() != self.weekday:
            raise ValueError(f"first_date {self.first_date} does not fall on weekday {self.weekday}")
        if self.local_time.tzinfo is not None:
            raise ValueError("local_time must be a naive wall time")
        if self.duration_minutes <= 0:
            raise ValueError(f"duration_minutes must be positive, got {self.duration_minutes}")
        validate_timezone(self.timezone)

    @property
    def monthly_position(self) -> int:
        """Which weekday of the month for MONTHLY: 1..4, or -1 for "the last" when first_date is the 5th."""
        nth = (self.first_date.day - 1) // 7 + 1
        return -1 if nth == 5 else nth


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    local_date: date  # the series' local date: the occurrence's identity, even if a DST gap shifts it


def first_meeting_date(weekday: int, on_or_after: date) -> date:
    """The first date on or after `on_or_after` that falls on `weekday`."""
    return on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % 7)


def to_local(instant: datetime, timezone: str) -> datetime:
    _require_aware(instant)
    return instant.astimezone(ZoneInfo(timezone))


def local_wall_time_to_utc(day: date, t: time, timezone: str) -> datetime:
    """The UTC instant of wall time `t` on `day` in `timezone`.

    fold=0 reads a nonexistent time with the offset in force before the gap, which lands the
    same distance past the gap (02:30 EST on a spring-forward day is 03:30 EDT), and picks the
    earlier of the two instants of an ambiguous time.
    """
    wall = datetime.combine(day, t.replace(tzinfo=None, fold=0))
    return wall.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def occurrences_between(rule: SeriesRule, start: datetime, end: datetime) -> list[Occurrence]:
    """All occurrences of `rule` starting in [start, end), oldest first."""
    _require_aware(start)
    _require_aware(end)
    found: list[Occurrence] = []
    if end <= start:
        return found
    for day in _local_dates_from(rule, _earliest_local_date(start, rule.timezone)):
        occurrence = _occurrence_on(rule, day)
        # Start instants grow with the local date (dates are >= 7 days apart), so stop at the first late one.
        if occurrence.starts_at >= end:
            break
        if occurrence.starts_at >= start:
            found.append(occurrence)
    return found


def next_occurrence(rule: SeriesRule, after: datetime) -> Occurrence | None:
    """The first occurrence starting strictly after `after`; None only past the calendar's end."""
    _require_aware(after)
    for day in _local_dates_from(rule, _earliest_local_date(after, rule.timezone)):
        occurrence = _occurrence_on(rule, day)
        if occurrence.starts_at > after:
            return occurrence
    return None


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant!r}")


def _earliest_local_date(instant: datetime, timezone: str) -> date:
    # One day of slack: a DST gap can push a late-evening wall time past midnight, so an
    # occurrence starting after `instant` may carry the local date before `instant`'s.
    return to_local(instant, timezone).date() - timedelta(days=1)


def _occurrence_on(rule: SeriesRule, day: date) -> Occurrence:
    starts_at = local_wall_time_to_utc(day, rule.local_time, rule.timezone)
    return Occurrence(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=rule.duration_minutes),
        local_date=day,
    )


def _local_dates_from(rule: SeriesRule, lower: date) -> Iterator[date]:
    """The rule's local dates on or after `lower` (and never before first_date), lazily.

    dtstart is moved close to `lower` so a series that began years ago costs no more than a new one.
    """
    if rule.cadence is Cadence.MONTHLY:
        # MONTHLY counts whole months, so any dtstart in or before the wanted month works.
        dtstart = max(rule.first_date, lower)
        by_weekday = rrule_weekday(rule.weekday, rule.monthly_position)
        dates = rrule(MONTHLY, dtstart=_midnight(dtstart), byweekday=by_weekday)
    else:
        weeks = _WEEKS_BETWEEN[rule.cadence]
        dtstart = _aligned_start(rule.first_date, lower, period_days=7 * weeks)
        # dtstart is itself an occurrence, so counting `interval` weeks from it keeps the biweekly parity.
        dates = rrule(WEEKLY, dtstart=_midnight(dtstart), interval=weeks, byweekday=rule.weekday)
    return (moment.date() for moment in dates)


def _aligned_start(first_date: date, lower: date, *, period_days: int) -> date:
    """The first date on or after `lower` that is a whole number of periods after `first_date`."""
    if lower <= first_date:
        return first_date
    periods = -(-(lower - first_date).days // period_days)  # ceiling division
    return first_date + timedelta(days=periods * period_days)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())
