from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.meetings import moved_start

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Friday 09:00 in New York


def test_tomorrow_is_the_callers_tomorrow() -> None:
    assert moved_start("tomorrow", time(10), "America/New_York", NOW) == datetime(2026, 12, 5, 15, tzinfo=UTC)


def test_a_weekday_later_today_means_today() -> None:
    assert moved_start(4, time(16), "America/New_York", NOW) == datetime(2026, 12, 4, 21, tzinfo=UTC)


def test_a_weekday_earlier_today_means_next_week() -> None:
    assert moved_start(4, time(8), "America/New_York", NOW) == datetime(2026, 12, 11, 13, tzinfo=UTC)


def test_a_date_in_the_callers_zone() -> None:
    assert moved_start(date(2026, 12, 8), time(9, 30), "Asia/Tokyo", NOW) == datetime(
        2026, 12, 8, 0, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("day", "refusal"),
    [
        (date(2026, 12, 1), "That time has already passed; pick a time that is still ahead."),
        (date(2028, 1, 1), "That's more than a year away; pick a time within the next year."),
    ],
)
def test_past_or_far_dates_are_refused(day: date, refusal: str) -> None:
    with pytest.raises(DomainError) as refused:
        moved_start(day, time(10), "America/New_York", NOW)
    assert refused.value.message == refusal


def test_a_weekday_at_exactly_now_means_next_week() -> None:
    assert moved_start(4, time(9), "America/New_York", NOW) == datetime(2026, 12, 11, 14, tzinfo=UTC)


def test_now_itself_has_already_passed() -> None:
    with pytest.raises(DomainError, match="already passed"):
        moved_start(date(2026, 12, 4), time(9), "America/New_York", NOW)


def test_a_move_may_reach_366_days_ahead_and_no_further() -> None:
    a_year_on = NOW + timedelta(days=366)  # 2027-12-05, 09:00 in New York
    assert moved_start(date(2027, 12, 5), time(9), "America/New_York", NOW) == a_year_on
    with pytest.raises(DomainError, match="more than a year"):
        moved_start(date(2027, 12, 5), time(9, 1), "America/New_York", NOW)
