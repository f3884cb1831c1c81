"""A person's own settings, without a database: defaults, the rules a choice must keep, working hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.errors import InvalidField
from bot.domain.settings import (
    DEFAULT_DAYS,
    DEFAULT_HOURS,
    LEAD_CHOICES,
    Field,
    PersonalSettings,
    WorkingHours,
    days_from_digits,
    days_to_digits,
    own_prompt_time,
    settings_of,
    validated,
)

WEEKDAYS = frozenset(range(5))
TUE_TO_THU = frozenset({1, 2, 3})
NEW_YORK = ZoneInfo("America/New_York")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in New York: the 7th is a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK)


def test_someone_who_never_chose_gets_monday_to_friday_nine_to_five_their_1on1s_lead_and_the_question() -> (
    None
):
    assert settings_of(None, None, None, None, None) == PersonalSettings(
        WorkingHours(WEEKDAYS, time(9), time(17)), None, True
    )
    assert DEFAULT_DAYS == WEEKDAYS
    assert (DEFAULT_HOURS.start, DEFAULT_HOURS.end, DEFAULT_HOURS.days) == (time(9), time(17), WEEKDAYS)


def test_what_was_chosen_is_read_back_as_chosen() -> None:
    chosen = settings_of("123", time(12), time(20), 3 * 24 * 60, False)
    assert chosen == PersonalSettings(WorkingHours(TUE_TO_THU, time(12), time(20)), 4320, False)


@pytest.mark.parametrize(
    ("digits", "days"),
    [("01234", WEEKDAYS), ("6", frozenset({6})), ("0123456", frozenset(range(7))), ("", frozenset())],
)
def test_working_days_are_stored_as_weekday_digits(digits: str, days: frozenset[int]) -> None:
    assert days_from_digits(digits) == days
    assert days_to_digits(days) == digits


def test_stored_days_are_written_in_order_and_read_without_anything_else() -> None:
    assert days_to_digits(frozenset({4, 0, 2})) == "024"
    assert days_from_digits("9x1") == frozenset({1})


def test_a_valid_choice_comes_back_as_the_settings() -> None:
    assert validated(TUE_TO_THU, time(12), time(20), None, False) == PersonalSettings(
        WorkingHours(TUE_TO_THU, time(12), time(20)), None, False
    )
    for minutes in (*LEAD_CHOICES, 60, 90):  # 90: a choice an older form may have offered
        assert validated(WEEKDAYS, time(9), time(17), minutes, True).lead_minutes == minutes


@pytest.mark.parametrize(
    ("days", "start", "end", "lead", "field", "words"),
    [
        (frozenset(), time(9), time(17), None, Field.DAYS, "at least one working day"),
        (frozenset({7}), time(9), time(17), None, Field.DAYS, "Monday to Sunday"),
        (WEEKDAYS, None, time(17), None, Field.START, "starts"),
        (WEEKDAYS, time(9), None, None, Field.END, "ends"),
        (WEEKDAYS, time(17), time(9), None, Field.END, "The end, 09:00, isn't after the start, 17:00."),
        (WEEKDAYS, time(9), time(9), None, Field.END, "isn't after the start"),
        (WEEKDAYS, time(9), time(9, 59), None, Field.END, "at least an hour"),
        (WEEKDAYS, time(9), time(17), 59, Field.LEAD, "one of the choices"),
        (WEEKDAYS, time(9), time(17), 7 * 24 * 60 + 1, Field.LEAD, "one of the choices"),
        (WEEKDAYS, time(9), time(17), 0, Field.LEAD, "one of the choices"),
    ],
)
def test_a_choice_that_breaks_a_rule_is_refused_on_its_field(
    days: frozenset[int], start: time | None, end: time | None, lead: int | None, field: Field, words: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        validated(days, start, end, lead, True)
    assert refused.value.field == field
    assert words in refused.value.message


def test_exactly_an_hour_of_working_time_is_enough() -> None:
    assert validated(frozenset({5}), time(10), time(11), None, True).hours.end == time(11)


@pytest.mark.parametrize(
    ("instant", "inside"),
    [
        (local(8, 12), True),  # Tuesday noon: the first minute
        (local(8, 19, 59), True),
        (local(8, 20), False),  # the end itself is outside
        (local(8, 11, 59), False),
        (local(7, 14), False),  # Monday: not one of her days
        (local(11, 14), False),  # Friday
    ],
)
def test_an_instant_is_inside_working_hours_on_a_working_day_between_start_and_end(
    instant: datetime, inside: bool
) -> None:
    assert WorkingHours(TUE_TO_THU, time(12), time(20)).contains(instant) is inside


def test_working_hours_are_read_on_the_persons_own_clock() -> None:
    hours = WorkingHours(TUE_TO_THU, time(12), time(20))
    ten_in_new_york = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    assert not hours.contains(ten_in_new_york.astimezone(NEW_YORK))  # before her noon start
    assert hours.contains(ten_in_new_york)  # 15:00 on a UTC clock would be inside


@pytest.mark.parametrize(
    ("start", "end", "outside"),
    [
        (local(8, 12), local(8, 12, 30), 0),
        (local(8, 19, 30), local(8, 20), 0),  # ends exactly as the day does
        (local(8, 19, 45), local(8, 20, 15), 15),
        (local(8, 11), local(8, 11, 30), 60),  # distance to the start, not the overlap
        (local(8, 21), local(8, 21, 30), 90),
        (local(7, 14), local(7, 14, 30), 24 * 60),  # a day off
        (local(8, 23, 45), local(9, 0, 15), 24 * 60),  # over midnight
    ],
)
def test_how_far_a_meeting_sticks_out_of_the_working_day(
    start: datetime, end: datetime, outside: int
) -> None:
    assert WorkingHours(TUE_TO_THU, time(12), time(20)).minutes_outside(start, end) == outside


def test_each_person_is_asked_at_their_own_lead_else_the_1on1s() -> None:
    starts = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    day = timedelta(hours=24)
    assert own_prompt_time(starts, day, None) == starts - day
    assert own_prompt_time(starts, day, 3 * 24 * 60) == starts - timedelta(days=3)
    assert own_prompt_time(starts, day, 120) == starts - timedelta(hours=2)  # shorter than the 1:1's: later


def test_the_pulse_check_in_is_on_in_1on1s_one_doesnt_lead_and_off_in_those_one_leads_until_chosen() -> None:
    assert (PersonalSettings().pulse_as_report, PersonalSettings().pulse_as_manager) == (True, False)
    assert settings_of(None, None, None, None, None) == PersonalSettings()
    chosen = settings_of(None, None, None, None, None, pulse_as_report=False, pulse_as_manager=True)
    assert (chosen.pulse_as_report, chosen.pulse_as_manager) == (False, True)
    kept = validated(WEEKDAYS, time(9), time(17), None, True, pulse_as_report=False, pulse_as_manager=True)
    assert (kept.pulse_as_report, kept.pulse_as_manager) == (False, True)
