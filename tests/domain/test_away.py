"""The rules of time away, without Slack: statuses, limits, merging, holidays, spans, pausing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.away import (
    AwayCalendar,
    checked_range,
    merged,
    parse_holiday_place,
    pauses_series,
    profile_away_until,
    status_away_until,
    status_days,
)
from bot.domain.cadence import Cadence
from bot.domain.errors import DomainError
from bot.domain.slots import Attendee, find_slots

EXPIRES = int(datetime(2026, 12, 12, tzinfo=UTC).timestamp())
TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "emoji"),
    [
        ("", ":palm_tree:"),
        ("", ":airplane:"),
        ("", ":face_with_thermometer:"),
        ("OOO until Monday", ""),
        ("On vacation", ":sunny:"),
        ("Public holiday", ""),
        ("Out of office", ""),
        ("out of the office", ""),
        ("Sick", ""),
    ],
)
def test_a_status_saying_off_with_an_expiry_is_away_until_it(text: str, emoji: str) -> None:
    assert status_away_until(text, emoji, EXPIRES) == datetime(2026, 12, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "emoji", "expiration"),
    [
        ("Vacation", ":palm_tree:", 0),  # no expiry: often left on
        ("Lunch", ":hamburger:", EXPIRES),
        ("In a meeting", ":calendar:", EXPIRES),
        ("Booking my holidaysite", "", EXPIRES),  # a word inside another is not the word
        ("", "", EXPIRES),
    ],
)
def test_other_statuses_are_not_away(text: str, emoji: str, expiration: int) -> None:
    assert status_away_until(text, emoji, expiration) is None


def test_a_profile_as_slack_sends_it() -> None:
    profile = {"status_text": "Vacation", "status_emoji": ":palm_tree:", "status_expiration": EXPIRES}
    assert profile_away_until(profile) == datetime(2026, 12, 12, tzinfo=UTC)
    assert profile_away_until({"status_expiration": "garbled"}) is None
    assert profile_away_until(None) is None


def test_status_days_end_the_day_before_a_midnight_expiry() -> None:
    seen = datetime(2026, 12, 1, 9, tzinfo=UTC)
    until = datetime(2026, 12, 11, 23, tzinfo=UTC)  # midnight in Berlin
    assert status_days(until, seen, "Europe/Berlin") == (date(2026, 12, 1), date(2026, 12, 11))
    assert status_days(seen - timedelta(hours=1), seen, "UTC") == (None, None)


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        (date(2026, 11, 30), None, "already passed"),
        (date(2026, 12, 5), date(2026, 12, 4), "before the start"),
        (date(2027, 12, 2), None, "more than a year"),
        (date(2026, 12, 2), date(2027, 3, 2), "longer than 90 days"),
    ],
)
def test_limits(first: date, last: date | None, problem: str) -> None:
    with pytest.raises(DomainError, match=problem):
        checked_range(first, last, TODAY)


def test_within_limits() -> None:
    assert checked_range(TODAY, None, TODAY) == (TODAY, TODAY)
    assert checked_range(date(2027, 12, 1), date(2028, 2, 28), TODAY) == (
        date(2027, 12, 1),
        date(2028, 2, 28),
    )


def test_overlapping_and_touching_stretches_merge() -> None:
    days = [(date(2026, 12, 7), date(2026, 12, 9)), (date(2026, 12, 10), date(2026, 12, 11))]
    assert merged([*days, (date(2026, 12, 20), date(2026, 12, 21))]) == [
        (date(2026, 12, 7), date(2026, 12, 11)),
        (date(2026, 12, 20), date(2026, 12, 21)),
    ]


def test_holiday_places_are_checked_against_the_holidays_package() -> None:
    assert parse_holiday_place(" de-by ") == ("DE", "BY")
    assert parse_holiday_place("US") == ("US", None)
    assert parse_holiday_place("") == (None, None)
    with pytest.raises(DomainError, match="isn't a country"):
        parse_holiday_place("XX")
    with pytest.raises(DomainError, match="no region"):
        parse_holiday_place("DE-ZZ")


def test_a_calendar_counts_stretches_status_and_holidays() -> None:
    cal = AwayCalendar(
        timezone="Europe/Berlin",
        ranges=((date(2026, 12, 7), date(2026, 12, 9)),),
        status_first_day=date(2026, 12, 1),
        status_last_day=date(2026, 12, 2),
        holiday_country="DE",
    )
    days = cal.days(date(2026, 12, 1), date(2026, 12, 31))
    assert days == {date(2026, 12, d) for d in (1, 2, 7, 8, 9, 25, 26)}
    assert cal.span(date(2026, 12, 8)) == (date(2026, 12, 7), date(2026, 12, 9))
    assert cal.away_at(datetime(2026, 12, 24, 23, 30, tzinfo=UTC))  # already the 25th in Berlin
    assert AwayCalendar().days(date(2026, 12, 1), date(2026, 12, 31)) == set()


@pytest.mark.parametrize(
    ("days", "cadence", "paused"),
    [
        (14, Cadence.WEEKLY, False),
        (15, Cadence.WEEKLY, True),
        (28, Cadence.BIWEEKLY, False),
        (29, Cadence.BIWEEKLY, True),
    ],
)
def test_away_longer_than_two_cycles_pauses_the_series(days: int, cadence: Cadence, paused: bool) -> None:
    first = date(2026, 12, 7)
    assert pauses_series((first, first + timedelta(days=days - 1)), cadence) is paused


def test_slots_never_fall_on_days_off() -> None:
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    off = frozenset({date(2026, 12, d) for d in (1, 2, 3, 4)})
    people = [Attendee("a", "Europe/Berlin", days_off=off), Attendee("b", "Europe/Berlin")]
    slots = find_slots(people, now, timedelta(minutes=30))
    assert slots and all(s.starts_at.date() not in off for s in slots)
