"""README promises that are pure rules, pinned where the rule lives (the rest: tests/slack/test_promises.py;
the map: tests/PROMISES.md)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.questions import BANK
from bot.domain.slots import Attendee, find_slots

HALF_HOUR = timedelta(minutes=30)


def test_the_question_bank_holds_84_open_ended_questions() -> None:
    """README "Before each meeting": "one question from a bank of 84 open-ended questions"."""
    assert len(BANK) == 84
    assert all(question.text.endswith("?") for question in BANK)


def test_a_missed_meeting_gets_four_slots_on_the_next_four_working_days_inside_both_peoples_hours() -> None:
    """README "A missed meeting": "up to four slots on the next working days inside both people's working
    hours (Monday to Friday, 09:00 to 17:00 in each person's zone)": asked on a Thursday evening in Berlin,
    New York and Berlin get Friday, Monday, Tuesday and Wednesday, each at the first half hour both work."""
    now = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # Thursday: 13:00 in New York, 19:00 in Berlin
    people = [Attendee("A", "America/New_York"), Attendee("B", "Europe/Berlin")]
    slots = find_slots(people, now, HALF_HOUR)
    # Both work from 09:00 New York (14:00 UTC) to 17:00 Berlin (16:00 UTC).
    assert [slot.starts_at for slot in slots] == [
        datetime(2026, 12, day, 14, 0, tzinfo=UTC) for day in (4, 7, 8, 9)
    ]
    for slot in slots:
        for zone in ("America/New_York", "Europe/Berlin"):
            local = slot.starts_at.astimezone(ZoneInfo(zone))
            assert local.weekday() < 5 and time(9) <= local.time() and (local + HALF_HOUR).time() <= time(17)
        assert slot.inside_everyones_hours
