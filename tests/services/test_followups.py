"""After a meeting: "How did it go?" once, then at most two reschedule nudges with slots, then missed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.meetings import GRACE, MAX_NUDGES, TOO_LATE_TO_CHASE, MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import series, summaries
from bot.services.followups import chase_unrecorded, queue_followups, report_not_held
from bot.store.db import SessionFactory
from tests.services.conftest import FIRST, FIRST_END, Weekly, schedule_weekly
from tests.services.helpers import meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, BERLIN, BOB, CAROL

AFTER = FIRST_END + timedelta(minutes=5)


def _nudges(sessions: SessionFactory, meeting_id: int) -> list[int | None]:
    return [m.recipient_id for m in queued(sessions, MessageKind.NUDGE) if m.meeting_id == meeting_id]


def test_how_did_it_go_goes_to_both_once_at_the_end_the_report_first(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    assert queue_followups(sessions, FIRST_END - timedelta(minutes=1)) == 0
    assert queue_followups(sessions, FIRST_END) == 2
    assert queue_followups(sessions, AFTER) == 0
    asked = queued(sessions, MessageKind.FOLLOW_UP)
    assert [m.recipient_id for m in asked] == [weekly.bob_id, weekly.alice_id]
    assert {m.meeting_id for m in asked} == {weekly.meeting_ids[0]}


def test_a_skipped_meeting_or_one_long_over_gets_no_how_did_it_go(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    series.skip_next(sessions, FIRST - timedelta(hours=1), AS_ALICE, BOB)
    # The clock was down for a day and more: the 8 Dec meeting is only marked, not asked about.
    second_end = FIRST_END + timedelta(days=7)
    assert queue_followups(sessions, second_end + GRACE) == 0
    assert meeting(sessions, weekly.meeting_ids[1]).followup_queued_at == second_end + GRACE
    assert queued(sessions, MessageKind.FOLLOW_UP) == []


def test_silence_gets_two_nudges_a_grace_period_apart_then_counts_as_missed(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    chase_unrecorded(sessions, FIRST_END + GRACE - timedelta(minutes=1))
    assert _nudges(sessions, first) == []
    chase_unrecorded(sessions, FIRST_END + GRACE)
    assert _nudges(sessions, first) == [weekly.bob_id, weekly.alice_id]
    chase_unrecorded(sessions, FIRST_END + 2 * GRACE - timedelta(minutes=1))
    assert len(_nudges(sessions, first)) == 2
    for day in range(2, 7):
        chase_unrecorded(sessions, FIRST_END + day * GRACE)
    assert len(_nudges(sessions, first)) == 2 * MAX_NUDGES
    done = meeting(sessions, first)
    assert (done.status, done.nudge_count, done.offered_slots) == (MeetingStatus.MISSED, MAX_NUDGES, None)


def test_a_summary_stops_the_chase(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    chase_unrecorded(sessions, FIRST_END + GRACE)
    summary = summaries.SummaryInput(first, "view:S1", "We met after all")
    summaries.submit_summary(sessions, FIRST_END + GRACE, AS_BOB, summary)
    chase_unrecorded(sessions, FIRST_END + 3 * GRACE)
    held = meeting(sessions, first)
    assert (held.status, held.offered_slots, len(_nudges(sessions, first))) == (MeetingStatus.HELD, None, 2)


def test_a_meeting_the_clock_never_chased_in_time_is_counted_not_nudged(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    chase_unrecorded(sessions, FIRST_END + TOO_LATE_TO_CHASE + timedelta(minutes=1))
    assert meeting(sessions, weekly.meeting_ids[0]).status is MeetingStatus.MISSED
    assert _nudges(sessions, weekly.meeting_ids[0]) == []


def _inside_working_hours(epoch: int) -> bool:
    local = datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo(BERLIN))
    end = local + timedelta(minutes=30)
    return local.weekday() < 5 and time(9) <= local.time() and end.time() <= time(17)


def test_it_didnt_happen_nudges_both_with_slots_in_their_hours_and_never_more_than_twice(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    with refused(sessions, "That 1:1 isn't waiting to be rescheduled."):
        report_not_held(sessions, FIRST, AS_BOB, first)  # under way
    assert report_not_held(sessions, AFTER, AS_BOB, first) == ALICE
    assert _nudges(sessions, first) == [weekly.bob_id, weekly.alice_id]
    slots = meeting(sessions, first).offered_slots or []
    days = {datetime.fromtimestamp(epoch, UTC).date() for epoch in slots}
    assert 2 <= len(slots) <= 4 and len(days) == len(slots)
    assert all(_inside_working_hours(epoch) and epoch >= AFTER.timestamp() + 3600 for epoch in slots)
    with refused(sessions, "I've already suggested new times to you and {}; pick one there.", people=(BOB,)):
        report_not_held(sessions, AFTER, AS_ALICE, first)
    chase_unrecorded(sessions, AFTER + GRACE)  # still nothing recorded: the last call
    chase_unrecorded(sessions, AFTER + 2 * GRACE)  # then it is missed
    assert len(_nudges(sessions, first)) == 2 * MAX_NUDGES
    with refused(sessions, "That 1:1 isn't waiting to be rescheduled."):
        report_not_held(sessions, AFTER + 2 * GRACE, AS_BOB, first)


def test_a_held_meeting_is_not_reported_as_not_held(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    summaries.submit_summary(sessions, AFTER, AS_ALICE, summaries.SummaryInput(first, "view:S1", "Done"))
    with refused(sessions, "A summary was already written for this 1:1, so it counts as held."):
        report_not_held(sessions, AFTER, AS_BOB, first)


def test_slots_avoid_both_peoples_other_meetings(sessions: SessionFactory, weekly: Weekly) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, at=time(12))  # Tuesdays 12:00, her other 1:1
    report_not_held(sessions, AFTER, AS_BOB, weekly.meeting_ids[0])
    slots = [
        datetime.fromtimestamp(e, UTC) for e in meeting(sessions, weekly.meeting_ids[0]).offered_slots or []
    ]
    # The soonest free half hour that day would be 12:00 in Berlin; Alice is with Carol then.
    assert slots[0] == datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
