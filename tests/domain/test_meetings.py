from datetime import UTC, date, datetime, time

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
    ("day", "fragment"), [(date(2026, 12, 1), "already passed"), (date(2028, 1, 1), "more than a year")]
)
def test_past_or_far_dates_are_refused(day: date, fragment: str) -> None:
    with pytest.raises(DomainError, match=fragment):
        moved_start(day, time(10), "America/New_York", NOW)
