"""Occurrences of a series: sequences per cadence, DST in two zones, windows, far-past series."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import MONTHLY, WEEKLY, rrule
from dateutil.rrule import weekday as rrule_weekday
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import cadence as cadence_module
from bot.domain.cadence import (
    Cadence,
    Occurrence,
    SeriesRule,
    first_meeting_date,
    local_wall_time_to_utc,
    next_occurrence,
    occurrences_between,
    to_local,
    validate_timezone,
)
from bot.domain.errors import DomainError, InvalidTimezone

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"
THU = 3
SUN = 6


def rule(
    cadence: Cadence,
    first_date: date,
    *,
    at: time = time(10),
    tz: str = "UTC",
    minutes: int = 30,
) -> SeriesRule:
    return SeriesRule(cadence, first_date.weekday(), at, minutes, tz, first_date)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_dates(occurrences: list[Occurrence]) -> list[date]:
    return [occurrence.local_date for occurrence in occurrences]


def next_date(series: SeriesRule, after: datetime) -> date:
    found = next_occurrence(series, after)
    assert found is not None
    return found.local_date


def starts(occurrences: list[Occurrence]) -> list[datetime]:
    return [occurrence.starts_at for occurrence in occurrences]


# --- first_meeting_date ---------------------------------------------------------------------------


def test_first_meeting_date_is_the_same_day_when_it_matches() -> None:
    assert first_meeting_date(THU, date(2026, 1, 1)) == date(2026, 1, 1)


def test_first_meeting_date_moves_forward_to_the_weekday() -> None:
    assert first_meeting_date(0, date(2026, 1, 1)) == date(2026, 1, 5)  # Thu -> next Mon
    assert first_meeting_date(2, date(2026, 1, 1)) == date(2026, 1, 7)  # Thu -> next Wed


# --- sequences ------------------------------------------------------------------------------------


def test_weekly_sequence() -> None:
    found = occurrences_between(rule(Cadence.WEEKLY, date(2026, 1, 1)), utc(2026, 1, 1), utc(2026, 2, 1))
    assert local_dates(found) == [date(2026, 1, d) for d in (1, 8, 15, 22, 29)]
    assert found[0] == Occurrence(utc(2026, 1, 1, 10), utc(2026, 1, 1, 10, 30), date(2026, 1, 1))


def test_biweekly_keeps_its_parity_when_the_window_starts_on_an_off_week() -> None:
    series = rule(Cadence.BIWEEKLY, date(2026, 1, 1))
    found = occurrences_between(series, utc(2026, 1, 8), utc(2026, 2, 28))
    assert local_dates(found) == [date(2026, 1, 15), date(2026, 1, 29), date(2026, 2, 12), date(2026, 2, 26)]


def test_nothing_before_the_first_date() -> None:
    found = occurrences_between(rule(Cadence.WEEKLY, date(2026, 1, 15)), utc(2026, 1, 1), utc(2026, 1, 30))
    assert local_dates(found) == [date(2026, 1, 15), date(2026, 1, 22), date(2026, 1, 29)]


def test_monthly_second_thursday() -> None:
    series = rule(Cadence.MONTHLY, date(2026, 1, 8))
    found = occurrences_between(series, utc(2026, 1, 1), utc(2026, 7, 1))
    expected = [(1, 8), (2, 12), (3, 12), (4, 9), (5, 14), (6, 11)]
    assert local_dates(found) == [date(2026, m, d) for m, d in expected]


def test_monthly_fourth_weekday_stays_fourth_in_a_month_with_five() -> None:
    series = rule(Cadence.MONTHLY, date(2026, 1, 22))  # 4th Thursday
    found = occurrences_between(series, utc(2026, 4, 1), utc(2026, 5, 1))
    assert local_dates(found) == [date(2026, 4, 23)]  # April 2026 has five Thursdays; the 30th is not it


def test_monthly_fifth_weekday_becomes_the_last_of_each_month() -> None:
    series = rule(Cadence.MONTHLY, date(2026, 1, 29))  # 5th Thursday of January
    assert series.monthly_position == -1
    found = occurrences_between(series, utc(2026, 1, 1), utc(2026, 7, 1))
    expected = [(1, 29), (2, 26), (3, 26), (4, 30), (5, 28), (6, 25)]
    assert local_dates(found) == [date(2026, m, d) for m, d in expected]


def test_a_one_minute_meeting_is_a_valid_rule() -> None:
    assert rule(Cadence.WEEKLY, date(2026, 1, 1), minutes=1).duration_minutes == 1


def test_rule_accepts_the_stored_string_form_of_the_cadence() -> None:
    series = SeriesRule("biweekly", THU, time(10), 30, "UTC", date(2026, 1, 1))  # type: ignore[arg-type]
    assert series.cadence is Cadence.BIWEEKLY


@pytest.mark.parametrize(
    "changes",
    [
        {"weekday": 7},
        {"first_date": date(2026, 1, 2)},  # a Friday, not the rule's Thursday
        {"duration_minutes": 0},
        {"local_time": time(10, tzinfo=UTC)},
    ],
)
def test_rule_rejects_inconsistent_fields(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "cadence": Cadence.WEEKLY,
        "weekday": THU,
        "local_time": time(10),
        "duration_minutes": 30,
        "timezone": "UTC",
        "first_date": date(2026, 1, 1),
    }
    with pytest.raises(ValueError):
        SeriesRule(**(fields | changes))  # type: ignore[arg-type]


# --- DST ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "first", "window", "expected_utc_hours"),
    [
        # New York: EDT from 2026-03-08, EST from 2026-11-01.
        (NEW_YORK, date(2026, 3, 5), (utc(2026, 3, 1), utc(2026, 3, 20)), [15, 14, 14]),
        (NEW_YORK, date(2026, 3, 5), (utc(2026, 10, 25), utc(2026, 11, 13)), [14, 15, 15]),
        # Berlin: CEST from 2026-03-29, CET from 2026-10-25, three weeks after New York in spring.
        (BERLIN, date(2026, 3, 5), (utc(2026, 3, 5), utc(2026, 4, 10)), [9, 9, 9, 9, 8, 8]),
        (BERLIN, date(2026, 3, 5), (utc(2026, 10, 15), utc(2026, 11, 6)), [8, 8, 9, 9]),
        # A meeting on the change day itself, after the change.
        (BERLIN, date(2026, 3, 22), (utc(2026, 3, 22), utc(2026, 4, 1)), [9, 8]),
        (BERLIN, date(2026, 10, 18), (utc(2026, 10, 18), utc(2026, 10, 26)), [8, 9]),
    ],
)
def test_a_10_00_meeting_stays_at_10_00_local_across_dst(
    tz: str, first: date, window: tuple[datetime, datetime], expected_utc_hours: list[int]
) -> None:
    found = occurrences_between(rule(Cadence.WEEKLY, first, tz=tz), *window)
    assert [occurrence.starts_at.hour for occurrence in found] == expected_utc_hours
    assert {to_local(occurrence.starts_at, tz).time() for occurrence in found} == {time(10)}
    assert all(occurrence.starts_at.tzinfo is UTC for occurrence in found)


def test_nonexistent_wall_time_moves_forward_in_new_york() -> None:
    # 02:30 does not exist on 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
    instant = local_wall_time_to_utc(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert instant == utc(2026, 3, 8, 7, 30)
    assert to_local(instant, NEW_YORK).replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)


def test_nonexistent_wall_time_moves_forward_in_berlin() -> None:
    instant = local_wall_time_to_utc(date(2026, 3, 29), time(2, 30), BERLIN)
    assert instant == utc(2026, 3, 29, 1, 30)
    assert to_local(instant, BERLIN).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)


def test_series_in_a_dst_gap_keeps_its_local_date_and_returns_to_its_wall_time() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 3, 1), at=time(2, 30), tz=NEW_YORK)
    found = occurrences_between(series, utc(2026, 3, 1), utc(2026, 3, 16))
    assert starts(found) == [utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30)]
    assert local_dates(found) == [date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 15)]


@pytest.mark.parametrize(
    ("day", "wall", "tz", "expected"),
    [
        # 01:30 happens twice on 2026-11-01 in New York: EDT (05:30Z) then EST (06:30Z).
        (date(2026, 11, 1), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),
        # 02:30 happens twice on 2026-10-25 in Berlin: CEST (00:30Z) then CET (01:30Z).
        (date(2026, 10, 25), time(2, 30), BERLIN, utc(2026, 10, 25, 0, 30)),
    ],
)
def test_ambiguous_wall_time_takes_the_first_instant(
    day: date, wall: time, tz: str, expected: datetime
) -> None:
    assert local_wall_time_to_utc(day, wall, tz) == expected
    assert local_wall_time_to_utc(day, wall.replace(fold=1), tz) == expected  # a caller's fold is ignored


def test_duration_is_elapsed_time_even_across_a_fall_back() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 11, 1), at=time(1, 30), tz=NEW_YORK, minutes=60)
    [occurrence] = occurrences_between(series, utc(2026, 11, 1), utc(2026, 11, 2))
    assert (occurrence.starts_at, occurrence.ends_at) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30))


# --- windows and next_occurrence ------------------------------------------------------------------


def test_window_includes_its_start_and_excludes_its_end() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 1, 1))
    found = occurrences_between(series, utc(2026, 1, 8, 10), utc(2026, 1, 22, 10))
    assert local_dates(found) == [date(2026, 1, 8), date(2026, 1, 15)]
    just_after = utc(2026, 1, 8, 10) + timedelta(microseconds=1)
    assert local_dates(occurrences_between(series, just_after, utc(2026, 1, 22, 10, 0, 0, 1))) == [
        date(2026, 1, 15),
        date(2026, 1, 22),
    ]


def test_window_bounds_may_be_in_any_zone() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 1, 1), tz=NEW_YORK)  # 10:00 EST = 15:00Z
    start = datetime(2026, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # = 2026-01-08 15:00Z
    found = occurrences_between(series, start, start + timedelta(weeks=1))
    assert local_dates(found) == [date(2026, 1, 8)]


def test_empty_or_reversed_window() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 1, 1))
    assert occurrences_between(series, utc(2026, 1, 8, 10), utc(2026, 1, 8, 10)) == []
    assert occurrences_between(series, utc(2026, 2, 1), utc(2026, 1, 1)) == []


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: a datetime in it is naive by Python's definition."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_naive_bounds_are_rejected() -> None:
    series = rule(Cadence.WEEKLY, date(2026, 1, 1))
    for naive in (datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=_NoOffset())):
        with pytest.raises(ValueError):
            occurrences_between(series, naive, utc(2026, 2, 1))
        with pytest.raises(ValueError):
            next_occurrence(series, naive)


def test_next_occurrence_is_strictly_after() -> None:
    series = rule(Cadence.BIWEEKLY, date(2026, 1, 1))
    assert next_occurrence(series, utc(2025, 6, 1)) == Occurrence(
        utc(2026, 1, 1, 10), utc(2026, 1, 1, 10, 30), date(2026, 1, 1)
    )
    assert next_date(series, utc(2026, 1, 1, 9, 59)) == date(2026, 1, 1)
    assert next_date(series, utc(2026, 1, 1, 10)) == date(2026, 1, 15)


def test_next_monthly_occurrence_in_a_later_month() -> None:
    series = rule(Cadence.MONTHLY, date(2026, 1, 29), tz=BERLIN)  # last Thursday
    found = next_occurrence(series, utc(2026, 3, 27))
    assert found is not None
    assert found.local_date == date(2026, 4, 30)
    assert found.starts_at == utc(2026, 4, 30, 8)


# --- series that began long ago -------------------------------------------------------------------


def test_far_past_biweekly_series_keeps_parity() -> None:
    first = date(2000, 1, 6)  # a Thursday
    series = rule(Cadence.BIWEEKLY, first, tz=BERLIN)
    found = occurrences_between(series, utc(2026, 3, 2), utc(2026, 3, 30))
    assert local_dates(found) == [
        date(2026, 3, 12),
        date(2026, 3, 26),
    ]  # 9,562 and 9,576 days later: 683 and 684 fortnights
    assert next_date(series, utc(2026, 3, 12, 12)) == date(2026, 3, 26)


def test_far_past_monthly_series() -> None:
    series = rule(Cadence.MONTHLY, date(1990, 3, 8))  # 2nd Thursday
    found = occurrences_between(series, utc(2026, 3, 1), utc(2026, 5, 1))
    assert local_dates(found) == [date(2026, 3, 12), date(2026, 4, 9)]


@pytest.mark.parametrize("cadence", [Cadence.WEEKLY, Cadence.BIWEEKLY, Cadence.MONTHLY])
def test_a_series_that_began_decades_ago_is_not_walked_from_its_first_date(
    cadence: Cadence, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The tick asks every series for its next meetings: one begun in 1970 must cost what a new one costs.
    drawn: list[datetime] = []

    def counting_rrule(*args: Any, **kwargs: Any) -> Iterator[datetime]:
        for moment in rrule(*args, **kwargs):
            drawn.append(moment)
            yield moment

    monkeypatch.setattr(cadence_module, "rrule", counting_rrule)
    series = rule(cadence, date(1970, 1, 1), tz=BERLIN)
    assert next_occurrence(series, utc(2026, 3, 2)) is not None
    assert occurrences_between(series, utc(2026, 3, 2), utc(2026, 4, 30))
    assert 0 < len(drawn) <= 20


def _brute_force(series: SeriesRule, start: datetime, end: datetime) -> list[date]:
    """Every occurrence from the first date on: the slow, obviously right answer."""
    until = datetime.combine(end.date() + timedelta(days=2), time())
    begin = datetime.combine(series.first_date, time())
    if series.cadence is Cadence.MONTHLY:
        by = rrule_weekday(series.weekday, series.monthly_position)
        dates = rrule(MONTHLY, dtstart=begin, until=until, byweekday=by)
    else:
        interval = 2 if series.cadence is Cadence.BIWEEKLY else 1
        dates = rrule(WEEKLY, dtstart=begin, until=until, interval=interval, byweekday=series.weekday)
    days = [moment.date() for moment in dates]
    return [d for d in days if start <= local_wall_time_to_utc(d, series.local_time, series.timezone) < end]


@settings(max_examples=50, deadline=None)
@given(
    cadence=st.sampled_from(Cadence),
    first=st.dates(date(2019, 1, 1), date(2026, 12, 31)),
    start=st.datetimes(datetime(2018, 6, 1), datetime(2027, 6, 1)),
    length=st.timedeltas(timedelta(hours=1), timedelta(days=70)),
    tz=st.sampled_from([NEW_YORK, BERLIN, "Pacific/Auckland", "UTC"]),
    wall=st.sampled_from([time(0, 15), time(2, 30), time(10), time(23, 45)]),
)
def test_matches_counting_from_the_first_date(
    cadence: Cadence, first: date, start: datetime, length: timedelta, tz: str, wall: time
) -> None:
    series = rule(cadence, first, at=wall, tz=tz)
    window = (start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + length)
    assert local_dates(occurrences_between(series, *window)) == _brute_force(series, *window)


# --- time zones -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])
def test_valid_timezone_is_returned(name: str) -> None:
    assert validate_timezone(name) == name


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus_Mons", "America", "../etc/passwd", "/etc/passwd", "x" * 65]
)
def test_invalid_timezone_is_a_domain_error(name: str) -> None:
    with pytest.raises(InvalidTimezone) as raised:
        validate_timezone(name)
    assert isinstance(raised.value, DomainError)
    # The refusal says how to write one.
    assert raised.value.message.endswith(" Use an IANA name such as Europe/Berlin or America/New_York.")


def test_rule_with_an_unknown_timezone_is_rejected() -> None:
    with pytest.raises(InvalidTimezone):
        rule(Cadence.WEEKLY, date(2026, 1, 1), tz="Nowhere/Special")
