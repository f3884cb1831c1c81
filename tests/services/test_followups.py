"""After a meeting: "How did it go?" once, then at most two reschedule nudges with slots, then missed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot.domain.meetings import GRACE, MAX_NUDGES, TOO_LATE_TO_CHASE, MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import series, summaries
from bot.services.followups import chase_unrecorded, queue_followups, report_not_held
from bot.store import followups as followup_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person
from tests.services.conftest import FIRST, FIRST_END, Weekly, schedule_weekly
from tests.services.helpers import addressed, meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, CAROL

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
    series.skip_next(sessions, FIRST_END, AS_ALICE, BOB)  # 8 Dec
    # The clock was down for over a week: the 1 Dec meeting is only marked (and counted), not asked about.
    late = FIRST_END + TOO_LATE_TO_CHASE + timedelta(minutes=1)
    assert queue_followups(sessions, late) == 0
    marked = [meeting(sessions, m) for m in weekly.meeting_ids[:2]]
    assert [(m.followup_queued_at, m.status) for m in marked] == [
        (late, MeetingStatus.MISSED),
        (late, MeetingStatus.SKIPPED),
    ]
    assert queued(sessions, MessageKind.FOLLOW_UP) == []


def test_silence_gets_two_nudges_a_grace_period_apart_then_counts_as_missed(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    queue_followups(sessions, FIRST_END)
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
    queue_followups(sessions, FIRST_END)
    chase_unrecorded(sessions, FIRST_END + GRACE)
    summary = summaries.SummaryInput(first, "view:S1", "We met after all")
    summaries.submit_summary(sessions, FIRST_END + GRACE, AS_BOB, summary)
    chase_unrecorded(sessions, FIRST_END + 3 * GRACE)
    held = meeting(sessions, first)
    assert (held.status, held.offered_slots, len(_nudges(sessions, first))) == (MeetingStatus.HELD, None, 2)


def test_a_meeting_the_clock_never_chased_in_time_is_counted_not_nudged(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_followups(sessions, FIRST_END)  # asked in time; then the clock was down for over a week
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
    queue_followups(sessions, FIRST_END)  # where "It didn't happen" is
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


@pytest.fixture
def batches_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tick works through due meetings a batch at a time (1,000 in production): here, one at a time."""
    monkeypatch.setattr(followup_store, "BATCH", 1)


def test_every_meeting_due_is_asked_about_and_chased_however_many_batches_it_takes(
    sessions: SessionFactory, weekly: Weekly, batches_of_one: None
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")  # the same time: two meetings end at once
    assert queue_followups(sessions, FIRST_END) == 4
    assert chase_unrecorded(sessions, FIRST_END + GRACE) == 4
    assert len(queued(sessions, MessageKind.FOLLOW_UP)) == len(queued(sessions, MessageKind.NUDGE)) == 4


def test_it_didnt_happen_may_be_said_the_moment_it_ends(sessions: SessionFactory, weekly: Weekly) -> None:
    assert report_not_held(sessions, FIRST_END, AS_ALICE, weekly.meeting_ids[0]) == BOB


def test_a_nudge_that_found_no_free_time_may_be_asked_for_again_but_not_a_third_time(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    for nudges in (1, 2):
        report_not_held(sessions, AFTER, AS_BOB, first)
        with sessions.begin() as session:  # nothing was free in the days searched
            session.execute(update(Meeting).where(Meeting.id == first).values(offered_slots=[]))
        assert meeting(sessions, first).nudge_count == nudges
    with refused(sessions, "I've already suggested new times twice for this 1:1."):
        report_not_held(sessions, AFTER, AS_BOB, first)


def test_slots_fall_in_both_peoples_working_hours_each_in_their_own_zone(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    new_york = "America/New_York"
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.id == weekly.bob_id).values(timezone=new_york))
    report_not_held(sessions, AFTER, AS_BOB, weekly.meeting_ids[0])
    slots = meeting(sessions, weekly.meeting_ids[0]).offered_slots or []
    assert slots
    for epoch in slots:
        for zone in (BERLIN, new_york):
            local = datetime.fromtimestamp(epoch, UTC).astimezone(ZoneInfo(zone))
            assert time(9) <= local.time() and (local + timedelta(minutes=30)).time() <= time(17)


def test_how_did_it_go_and_nudges_keep_their_keys(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    ended = int(FIRST_END.timestamp())
    queue_followups(sessions, FIRST_END)
    chase_unrecorded(sessions, FIRST_END + GRACE)
    assert [(m["key"], m["recipient_id"], m["meeting_id"], m["params"]) for m in addressed(sessions)[1:]] == [
        (f"follow_up:{first}:{ended}:{weekly.bob_id}", weekly.bob_id, first, {"meeting_id": first}),
        (f"follow_up:{first}:{ended}:{weekly.alice_id}", weekly.alice_id, first, {"meeting_id": first}),
        (f"nudge:{first}:1:{weekly.bob_id}", weekly.bob_id, first, {"meeting_id": first}),
        (f"nudge:{first}:1:{weekly.alice_id}", weekly.alice_id, first, {"meeting_id": first}),
    ]
