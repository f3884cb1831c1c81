"""What an edit of a series changed: compared by the meetings it makes, the slot as each reader sees it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

from bot.domain.cadence import Cadence
from bot.domain.series_change import Change, Field, Slot, Terms, changes, seen_from

NEW_YORK, TORONTO, BERLIN, TOKYO = "America/New_York", "America/Toronto", "Europe/Berlin", "Asia/Tokyo"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday; 04:00 in New York
TUE, THU = 1, 3
ALICE, BOB = 11, 12  # person ids

# Weekly on Tuesdays at 10:00 in New York (16:00 in Berlin), 30 minutes, topics asked for a day ahead.
WEEKLY = Terms(Cadence.WEEKLY, TUE, time(10), NEW_YORK, date(2026, 12, 1), 30, 24 * 60, ALICE)


def test_the_same_terms_change_nothing() -> None:
    assert changes(WEEKLY, WEEKLY, NOW, BERLIN) == ()


def test_the_same_hour_written_in_another_zone_changes_nothing() -> None:
    # Toronto keeps New York's offsets all year: every meeting starts at the same instant.
    assert changes(WEEKLY, replace(WEEKLY, timezone=TORONTO), NOW, NEW_YORK) == ()


def test_a_new_day_and_time_is_told_in_the_readers_zone() -> None:
    later = replace(WEEKLY, weekday=THU, local_time=time(11), first_date=date(2026, 12, 3))
    assert changes(WEEKLY, later, NOW, BERLIN) == (
        Change(Field.WHEN, Slot(TUE, time(16)), Slot(THU, time(17))),
    )
    assert changes(WEEKLY, later, NOW, NEW_YORK) == (
        Change(Field.WHEN, Slot(TUE, time(10)), Slot(THU, time(11))),
    )


def test_a_late_evening_slot_is_the_next_day_for_a_reader_far_east() -> None:
    evening = replace(WEEKLY, local_time=time(20))
    assert seen_from(evening.rule, TOKYO, NOW) == (Slot(2, time(10)), date(2026, 12, 2))  # Wednesday 10:00


def test_weekly_to_every_two_weeks_is_a_new_cadence_at_the_same_slot() -> None:
    biweekly = replace(WEEKLY, cadence=Cadence.BIWEEKLY)
    assert changes(WEEKLY, biweekly, NOW, BERLIN) == (
        Change(Field.CADENCE, Cadence.WEEKLY, Cadence.BIWEEKLY),
    )


def test_the_other_week_of_a_biweekly_series_says_which_meeting_is_next() -> None:
    biweekly = replace(WEEKLY, cadence=Cadence.BIWEEKLY)
    other_week = replace(biweekly, first_date=date(2026, 12, 8))
    assert changes(biweekly, other_week, NOW, BERLIN) == (
        Change(
            Field.NEXT,
            datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
            datetime(2026, 12, 8, 15, 0, tzinfo=UTC),
        ),
    )


def test_a_later_anchor_of_a_weekly_series_changes_no_meeting() -> None:
    assert (
        changes(
            WEEKLY, replace(WEEKLY, first_date=date(2026, 12, 15)), datetime(2026, 12, 14, tzinfo=UTC), BERLIN
        )
        == ()
    )


def test_length_lead_and_leader_are_each_a_change_in_order() -> None:
    edited = replace(WEEKLY, duration_minutes=45, lead_minutes=48 * 60, leader_id=BOB)
    assert changes(WEEKLY, edited, NOW, BERLIN) == (
        Change(Field.LENGTH, 30, 45),
        Change(Field.LEAD, 24 * 60, 48 * 60),
        Change(Field.LEADER, ALICE, BOB),
    )


def test_terms_survive_the_outbox_row_as_json() -> None:
    assert Terms.from_params(WEEKLY.to_params()) == WEEKLY
    assert WEEKLY.to_params()["local_time"] == "10:00"
