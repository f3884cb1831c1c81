"""Setting up, skipping, moving and ending a series."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import series
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person, Series
from tests.read_back import manager_of_the_pair
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, CAROL


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
        advice = (
            "To change it, end it first with `/1on1 cancel {0}`, or move one meeting with `/1on1 reschedule`."
        )
        with refused(sessions, "You already have a recurring 1:1 with {0}.", advice, people=(other,)):
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
    with refused(sessions, "You have no recurring 1:1 with {} to cancel.", people=(BOB,)):
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


def test_schedule_answers_what_was_set_up(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(
        BOB, "biweekly", 1, time(10), 45, caller_is_manager=False, lead=timedelta(hours=2)
    )
    scheduled = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    assert scheduled == series.Scheduled(
        scheduled.series_id, BOB, Cadence.BIWEEKLY, BERLIN, 45, FIRST, False, timedelta(hours=2)
    )


def test_a_series_may_start_today(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "weekly", 0, time(11), start=date(2026, 11, 30))  # Monday, today
    scheduled = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    assert scheduled.first_starts_at == SET_UP + timedelta(hours=1)  # 11:00 in Berlin


def test_every_notice_keeps_its_key_and_names_who_did_it(sessions: SessionFactory, weekly: Weekly) -> None:
    # A key is what makes a message go out once, and rows already stored hold these: they never change.
    first, second = weekly.meeting_ids[:2]
    moved_to = datetime(2026, 12, 10, 14, tzinfo=UTC)
    series.skip_next(sessions, SET_UP, AS_BOB, None)
    change = series.reschedule_next(sessions, SET_UP, AS_ALICE, None, date(2026, 12, 10), time(15), BERLIN)
    assert (change.other_user_id, change.starts_at) == (BOB, moved_to)
    series.cancel(sessions, SET_UP, AS_BOB, weekly.series_id)
    by_alice, by_bob = {"by": weekly.alice_id}, {"by": weekly.bob_id}
    assert [(m["key"], m["recipient_id"], m["meeting_id"], m["params"]) for m in addressed(sessions)] == [
        (
            f"series:{weekly.series_id}:announced",
            weekly.bob_id,
            None,
            by_alice | {"series_id": weekly.series_id},
        ),
        (f"skipped:{first}", weekly.alice_id, first, by_bob | {"meeting_id": first}),
        (
            f"moved:{second}:{int(moved_to.timestamp())}",
            weekly.bob_id,
            second,
            by_alice | {"meeting_id": second},
        ),
        (
            f"series:{weekly.series_id}:cancelled",
            weekly.alice_id,
            None,
            by_bob | {"series_id": weekly.series_id},
        ),
    ]


def test_skipping_the_last_meeting_of_an_ended_series_names_none_after_it(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    under_way = FIRST + timedelta(minutes=10)
    series.cancel(sessions, under_way, AS_ALICE, weekly.series_id)  # the meeting under way stays
    change = series.skip_next(sessions, under_way, AS_BOB, None)
    assert (change.other_user_id, change.starts_at, change.next_starts_at) == (ALICE, FIRST, None)


def test_the_series_to_cancel_is_the_one_with_the_person_named(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3, at=time(15))
    with_bob = series.series_to_cancel(sessions, SET_UP, AS_ALICE, BOB)
    assert with_bob == series.SeriesSummary(weekly.series_id, BOB, Cadence.WEEKLY, 1, time(10), BERLIN)
    with_carol = series.series_to_cancel(sessions, SET_UP, AS_ALICE, CAROL)
    assert (with_carol.other_user_id, with_carol.weekday, with_carol.local_time) == (CAROL, 3, time(15))
    assert series.cancel(sessions, SET_UP, AS_ALICE, weekly.series_id) == with_bob


def test_cancelling_without_a_1on1_or_a_series_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "You don't have a 1:1 with {}.", people=(CAROL,)):
        series.series_to_cancel(sessions, SET_UP, AS_ALICE, CAROL)
    with refused(sessions, "That 1:1 isn't one of yours."):
        series.cancel(sessions, SET_UP, AS_ALICE, weekly.series_id + 1000)
