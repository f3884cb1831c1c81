"""Setting up, skipping, moving and ending a series."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import series
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person, Series
from tests.read_back import manager_of_the_pair
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB


def _starts(sessions: SessionFactory) -> dict[int, tuple[object, object, MeetingStatus]]:
    with sessions() as session:
        return {m.id: (m.starts_at, m.ends_at, m.status) for m in session.scalars(select(Meeting))}


def test_schedule_keeps_10_berlin_for_six_weeks_and_announces_it_to_the_other(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with sessions() as session:
        meetings = session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        zones = {p.slack_user_id: p.timezone for p in session.scalars(select(Person))}
    assert len(meetings) == 6 and meetings[0].starts_at == FIRST
    for index, one in enumerate(meetings):
        local = one.starts_at.astimezone(ZoneInfo(BERLIN))
        assert (local.date(), local.time()) == (date(2026, 12, 1) + timedelta(weeks=index), time(10))
        assert one.ends_at - one.starts_at == timedelta(minutes=30)
        assert one.prompt_at == one.starts_at - timedelta(hours=24)
    assert zones == {ALICE: BERLIN, BOB: BERLIN}
    [announced] = queued(sessions)
    assert announced.kind == MessageKind.SERIES_ANNOUNCED and announced.recipient_id == weekly.bob_id
    assert announced.params == {"by": weekly.alice_id, "series_id": weekly.series_id}


def test_as_report_makes_the_other_person_the_manager(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "weekly", 1, time(10), caller_is_manager=False)
    series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    assert manager_of_the_pair(sessions) == BOB


def test_a_second_series_for_the_same_pair_is_refused_from_either_side(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    for caller, other in ((AS_ALICE, BOB), (AS_BOB, ALICE)):
        with refused(sessions, "You already have a recurring 1:1 with {0}.", people=(other,)):
            schedule_weekly(sessions, caller, other, weekday=3)


def test_a_first_date_in_the_past_is_refused(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "weekly", 1, time(10), start=date(2026, 11, 30))
    with refused(sessions, "is in the past"):
        series.schedule(sessions, FIRST, AS_ALICE, request, BERLIN)


def test_skip_marks_the_next_meeting_skipped_and_tells_the_other(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    before = _starts(sessions)
    change = series.skip_next(sessions, FIRST - timedelta(hours=1), AS_BOB, None)
    assert (change.other_user_id, change.starts_at, change.next_starts_at) == (ALICE, FIRST, SECOND)
    after = _starts(sessions)
    first = weekly.meeting_ids[0]
    assert after[first][2] is MeetingStatus.SKIPPED
    assert {k: v for k, v in after.items() if k != first} == {k: v for k, v in before.items() if k != first}
    [notice] = queued(sessions, MessageKind.MEETING_SKIPPED)
    assert notice.recipient_id == weekly.alice_id
    assert notice.params == {"by": weekly.bob_id, "meeting_id": first}
    # Skipping again skips the one after, not the same one twice.
    assert series.skip_next(sessions, FIRST, AS_BOB, ALICE).starts_at == SECOND


def test_reschedule_moves_the_next_meeting_only(sessions: SessionFactory, weekly: Weekly) -> None:
    before = _starts(sessions)
    change = series.reschedule_next(sessions, FIRST_END, AS_ALICE, BOB, date(2026, 12, 10), time(15), BERLIN)
    new_start = FIRST.replace(day=10, hour=14)  # 15:00 in Berlin
    assert change.starts_at == new_start
    after = _starts(sessions)
    moved = [meeting_id for meeting_id in before if before[meeting_id] != after[meeting_id]]
    assert moved == [weekly.meeting_ids[1]]  # the first one is over: the 8 Dec one is next
    moved_meeting = meeting(sessions, moved[0])
    assert moved_meeting.ends_at == new_start + timedelta(minutes=30)
    assert moved_meeting.prompt_at == new_start - timedelta(hours=24)
    assert moved_meeting.local_date == date(2026, 12, 8)  # still that occurrence of the series
    [notice] = queued(sessions, MessageKind.MEETING_MOVED)
    assert notice.recipient_id == weekly.bob_id


def test_cancel_ends_the_series_and_cancels_future_meetings_only(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    now = FIRST + timedelta(minutes=10)  # the first meeting is under way
    before = _starts(sessions)
    summary = series.series_to_cancel(sessions, now, AS_BOB, ALICE)  # what the confirmation shows
    assert (summary.series_id, summary.other_user_id) == (weekly.series_id, ALICE)
    assert _starts(sessions) == before
    series.cancel(sessions, now, AS_BOB, weekly.series_id)
    after = _starts(sessions)
    assert after[weekly.meeting_ids[0]][2] is MeetingStatus.SCHEDULED
    assert all(after[m][2] is MeetingStatus.CANCELLED for m in weekly.meeting_ids[1:])
    with sessions() as session:
        ended = session.get(Series, weekly.series_id)
        assert ended is not None and not ended.active and ended.ended_at == now
    [notice] = queued(sessions, MessageKind.SERIES_CANCELLED)
    assert notice.recipient_id == weekly.alice_id
    # A second cancel (a double click on "Yes, cancel") is refused; so is asking again.
    with refused(sessions, "Your 1:1 with {} has already ended.", people=(BOB,)):
        series.cancel(sessions, now, AS_ALICE, weekly.series_id)
    with refused(sessions, "You have no recurring 1:1 with {} to cancel."):
        series.series_to_cancel(sessions, now, AS_ALICE, BOB)
    # Ended, it no longer stands in the way of a new one.
    assert schedule_weekly(sessions, AS_ALICE, BOB, weekday=3).series_id != weekly.series_id


def test_nobody_but_the_two_can_cancel_skip_or_move_it(sessions: SessionFactory, weekly: Weekly) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    with refused(sessions, "That 1:1 isn't one of yours."):
        series.cancel(sessions, FIRST, AS_CAROL, weekly.series_id)
    with refused(sessions, "You don't have a 1:1 with {}.", people=(ALICE,)):
        series.skip_next(sessions, FIRST, AS_CAROL, ALICE)
    with refused(sessions, "You don't have a 1:1 with {}."):
        series.reschedule_next(sessions, FIRST, AS_CAROL, BOB, date(2026, 12, 10), time(15), BERLIN)


def test_skip_or_move_with_nothing_ahead_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    series.cancel(sessions, FIRST_END, AS_ALICE, weekly.series_id)
    with refused(sessions, "There is no upcoming 1:1 with {} to skip.", people=(BOB,)):
        series.skip_next(sessions, FIRST_END, AS_ALICE, BOB)
    with refused(sessions, "There is no upcoming 1:1 with {} to move."):
        series.reschedule_next(sessions, FIRST_END, AS_BOB, None, date(2026, 12, 10), time(15), BERLIN)


def test_a_moved_time_in_the_past_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "That time has already passed"):
        series.reschedule_next(sessions, FIRST_END, AS_ALICE, BOB, date(2026, 12, 1), time(9), BERLIN)
