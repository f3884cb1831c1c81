"""Editing a series: future meetings follow the new terms, the past stays, topics move, the other is told.

The `weekly` series (tests/services/conftest.py): Alice leads, Bob; weekly on Tuesdays at 10:00 in Berlin,
30 minutes, meetings from 1 December.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.series_change import Change, Field, Slot
from bot.services import series, topics
from bot.services.messages.series_changed import load_series_changed
from bot.services.series_edit import Edited, SeriesEdit, SeriesEnded, check_editable, edit_series, series_form
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person, Series, Topic
from tests.read_back import changed, every_row
from tests.services.conftest import FIRST, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, DAVE

TOKYO = "Asia/Tokyo"
TUE, THU = 1, 3
AFTER_FIRST = FIRST + timedelta(hours=2)  # Tuesday 1 December, the first meeting over
NEXT_DAY = date(2026, 12, 8)  # the next meeting's day then
AS_SHOWN = SeriesEdit("weekly", TUE, time(10), 30, NEXT_DAY, True, timedelta(hours=24))  # Alice's form


def plan(sessions: SessionFactory) -> list[tuple[int, str, MeetingStatus]]:
    """Every meeting as (id, its start in Berlin, its status), soonest first."""
    with sessions() as session:
        rows = session.scalars(select(Meeting).order_by(Meeting.starts_at, Meeting.id))
        return [(m.id, f"{m.starts_at.astimezone(ZoneInfo(BERLIN)):%a %d %b %H:%M}", m.status) for m in rows]


def scheduled(sessions: SessionFactory, after: datetime = AFTER_FIRST) -> list[str]:
    """The scheduled meetings still to come, by their start in Berlin."""
    with sessions() as session:
        rows = session.scalars(
            select(Meeting)
            .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > after)
            .order_by(Meeting.starts_at)
        )
        return [f"{m.starts_at.astimezone(ZoneInfo(BERLIN)):%a %d %b %H:%M}" for m in rows]


def edit(
    sessions: SessionFactory, weekly: Weekly, change: SeriesEdit, *, by: object = AS_ALICE, zone: str = BERLIN
) -> Edited:
    return edit_series(
        sessions,
        AFTER_FIRST,
        by,
        weekly.series_id,
        change,
        zone,
        source=f"view:{id(change)}",  # type: ignore[arg-type]
    )


def held(sessions: SessionFactory, meeting_id: int) -> None:
    with sessions.begin() as session:
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(status=MeetingStatus.HELD))


def test_the_form_shows_the_series_to_each_of_the_two_in_their_own_zone(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    alices = series_form(sessions, AFTER_FIRST, AS_ALICE, weekly.series_id, BERLIN)
    assert (alices.other_user_id, alices.cadence, alices.weekday, alices.at) == (
        BOB,
        Cadence.WEEKLY,
        TUE,
        time(10),
    )
    assert (alices.start, alices.duration_minutes, alices.lead, alices.caller_is_manager) == (
        NEXT_DAY,
        30,
        timedelta(hours=24),
        True,
    )
    bobs = series_form(sessions, AFTER_FIRST, AS_BOB, weekly.series_id, TOKYO)
    assert (bobs.other_user_id, bobs.weekday, bobs.at, bobs.caller_is_manager) == (
        ALICE,
        TUE,
        time(18),
        False,
    )


def test_nobody_else_can_see_or_edit_it_and_a_missing_id_reads_the_same(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    for series_id in (weekly.series_id, 999_999):
        with refused(sessions, "That 1:1 isn't one of yours."):
            check_editable(sessions, AS_CAROL, series_id)
        with refused(sessions, "That 1:1 isn't one of yours."):
            series_form(sessions, AFTER_FIRST, AS_CAROL, series_id, BERLIN)
        with refused(sessions, "That 1:1 isn't one of yours."):
            edit_series(sessions, AFTER_FIRST, AS_CAROL, series_id, AS_SHOWN, BERLIN, source="view:V1")


def test_an_ended_series_is_not_edited(sessions: SessionFactory, weekly: Weekly) -> None:
    series.cancel(sessions, AFTER_FIRST, AS_BOB, weekly.series_id)
    with refused(sessions, "Your 1:1 with {} has already ended.", people=(BOB,)) as error:
        edit(sessions, weekly, replace(AS_SHOWN, duration_minutes=45))
    assert isinstance(error.value, SeriesEnded)  # told in a small modal, not as a stranger's click


def test_a_first_day_in_the_past_is_refused_on_its_field(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "is in the past") as error:
        edit(sessions, weekly, replace(AS_SHOWN, at=time(11), start=date(2026, 11, 30)))
    assert getattr(error.value, "field", None) == series.FIRST_DATE


def test_submitting_the_form_as_shown_changes_nothing_and_tells_nobody(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    before = every_row(sessions)
    edited = edit(sessions, weekly, AS_SHOWN)
    assert edited.changes == () and edited.other_user_id == BOB
    assert changed(before, every_row(sessions)) == set()


def test_time_and_cadence_change_the_future_only_and_topics_move_to_the_next_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    held(sessions, weekly.meeting_ids[0])
    topic = topics.add_topic(sessions, AFTER_FIRST, AS_BOB, ALICE, "Conference budget")  # on 8 December
    assert topic.meeting_starts_at == FIRST + timedelta(days=7)
    edited = edit(sessions, weekly, replace(AS_SHOWN, cadence="biweekly", weekday=THU, at=time(11)))
    assert edited.changes == (
        Change(Field.CADENCE, Cadence.WEEKLY, Cadence.BIWEEKLY),
        Change(Field.WHEN, Slot(TUE, time(10)), Slot(THU, time(11))),
    )
    rows = plan(sessions)
    assert rows[0] == (weekly.meeting_ids[0], "Tue 01 Dec 10:00", MeetingStatus.HELD)  # the past stays
    assert scheduled(sessions) == [
        "Thu 10 Dec 11:00",
        "Thu 24 Dec 11:00",
        "Thu 07 Jan 11:00",  # as far ahead as meetings are made (six weeks)
    ]
    assert {status for id_, _, status in rows if id_ in weekly.meeting_ids[1:]} == {MeetingStatus.CANCELLED}
    with sessions() as session:
        moved = session.get(Topic, topic.topic_id)
        assert moved is not None and moved.meeting_id is not None
        target = session.get(Meeting, moved.meeting_id)
        assert target is not None and target.starts_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
        stored = session.get(Series, weekly.series_id)
        assert stored is not None
        assert (stored.cadence, stored.weekday, stored.local_time, stored.timezone) == (
            Cadence.BIWEEKLY,
            THU,
            time(11),
            BERLIN,
        )
    assert edited.next_starts_at == datetime(2026, 12, 10, 10, 0, tzinfo=UTC)


def test_the_other_person_is_told_once_with_what_changed(sessions: SessionFactory, weekly: Weekly) -> None:
    change = replace(AS_SHOWN, at=time(11))
    edit_series(sessions, AFTER_FIRST, AS_ALICE, weekly.series_id, change, BERLIN, source="view:V9")
    [told] = queued(sessions, MessageKind.SERIES_CHANGED)
    assert told.key == f"series_changed:{weekly.series_id}:view:V9"
    assert told.recipient_id == weekly.bob_id
    assert told.params["by"] == weekly.alice_id and told.params["series_id"] == weekly.series_id
    assert (told.params["before"]["local_time"], told.params["after"]["local_time"]) == ("10:00", "11:00")
    # The same submission delivered again finds nothing left to change and queues nothing more.
    edit_series(sessions, AFTER_FIRST, AS_ALICE, weekly.series_id, change, BERLIN, source="view:V9")
    assert len(queued(sessions, MessageKind.SERIES_CHANGED)) == 1


def test_a_skipped_meeting_stays_skipped_and_a_meeting_under_way_stays_as_it_is(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    series.skip_next(sessions, FIRST - timedelta(hours=1), AS_ALICE, BOB)  # 1 December
    series.skip_next(sessions, FIRST - timedelta(hours=1), AS_ALICE, BOB)  # 8 December
    under_way = FIRST + timedelta(days=14, minutes=10)  # 15 December, 10:10
    change = SeriesEdit("weekly", TUE, time(9), 30, None, True, timedelta(hours=24))
    edit_series(sessions, under_way, AS_ALICE, weekly.series_id, change, BERLIN, source="view:V2")
    rows = plan(sessions)
    assert [r[1:] for r in rows[:3]] == [
        ("Tue 01 Dec 10:00", MeetingStatus.SKIPPED),
        ("Tue 08 Dec 10:00", MeetingStatus.SKIPPED),
        ("Tue 15 Dec 10:00", MeetingStatus.SCHEDULED),
    ]
    assert scheduled(sessions, under_way)[:2] == ["Tue 22 Dec 09:00", "Tue 29 Dec 09:00"]


def test_a_change_of_time_alone_keeps_a_biweekly_series_on_its_weeks(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "biweekly", TUE, time(10), start=date(2026, 12, 8))
    done = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    assert scheduled(sessions, SET_UP)[:2] == ["Tue 08 Dec 10:00", "Tue 22 Dec 10:00"]
    change = SeriesEdit("biweekly", TUE, time(14), 30, date(2026, 12, 8), True, timedelta(hours=24))
    edit_series(sessions, SET_UP, AS_ALICE, done.series_id, change, BERLIN, source="view:V3")
    assert scheduled(sessions, SET_UP)[:3] == ["Tue 08 Dec 14:00", "Tue 22 Dec 14:00", "Tue 05 Jan 14:00"]


def test_the_other_member_edits_in_their_zone_and_an_untouched_slot_keeps_the_series_own(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    bobs_form = SeriesEdit(
        "weekly", TUE, time(18), 45, NEXT_DAY, False, timedelta(hours=24)
    )  # as Tokyo sees it
    edited = edit(sessions, weekly, bobs_form, by=AS_BOB, zone=TOKYO)
    assert edited.changes == (Change(Field.LENGTH, 30, 45),)
    with sessions() as session:
        stored = session.get(Series, weekly.series_id)
        assert stored is not None and (stored.timezone, stored.local_time) == (BERLIN, time(10))
        lengths = {
            m.ends_at - m.starts_at for m in session.scalars(select(Meeting).where(Meeting.starts_at > FIRST))
        }
        assert lengths == {timedelta(minutes=45)}
    # A slot Bob changes is his, in Tokyo: 19:00 there is 11:00 in Berlin.
    edited = edit(sessions, weekly, replace(bobs_form, at=time(19)), by=AS_BOB, zone=TOKYO)
    assert edited.changes == (Change(Field.WHEN, Slot(TUE, time(18)), Slot(TUE, time(19))),)
    assert (edited.timezone, edited.local_time) == (TOKYO, time(19))
    assert scheduled(sessions)[0] == "Tue 08 Dec 11:00"


def test_the_lead_and_who_leads_change_the_prompts_and_the_pair(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    edited = edit(sessions, weekly, replace(AS_SHOWN, lead=timedelta(hours=48), caller_is_manager=False))
    assert edited.changes == (Change(Field.LEAD, 24 * 60, 48 * 60), Change(Field.LEADER, ALICE, BOB))
    with sessions() as session:
        future = session.scalars(select(Meeting).where(Meeting.starts_at > AFTER_FIRST)).all()
        assert future and all(m.prompt_at == m.starts_at - timedelta(hours=48) for m in future)
        pair = session.get(Pair, weekly.pair_id)
        assert pair is not None and pair.manager_id == weekly.bob_id


def test_a_change_from_a_later_day_keeps_the_meetings_before_it(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    edit(sessions, weekly, replace(AS_SHOWN, weekday=THU, start=date(2026, 12, 15)))
    assert scheduled(sessions)[:3] == ["Tue 08 Dec 10:00", "Thu 17 Dec 10:00", "Thu 24 Dec 10:00"]


def test_editing_back_brings_back_the_same_meeting_rows(sessions: SessionFactory, weekly: Weekly) -> None:
    before = plan(sessions)
    edit(sessions, weekly, replace(AS_SHOWN, cadence="biweekly"))
    assert scheduled(sessions)[:2] == ["Tue 08 Dec 10:00", "Tue 22 Dec 10:00"]
    edit(sessions, weekly, AS_SHOWN)
    after = [row for row in plan(sessions) if row[0] in {r[0] for r in before}]
    assert after == before  # the dropped weeks are the same rows again, scheduled


@pytest.mark.parametrize("monthly_start", [date(2026, 12, 1)])
def test_monthly_keeps_its_week_of_the_month_when_only_the_time_changes(
    sessions: SessionFactory, monthly_start: date
) -> None:
    request = series.ScheduleRequest(BOB, "monthly", TUE, time(10), start=monthly_start)
    done = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    change = SeriesEdit("monthly", TUE, time(15), 30, date(2026, 12, 1), True, timedelta(hours=24))
    edit_series(sessions, SET_UP, AS_ALICE, done.series_id, change, BERLIN, source="view:V4")
    assert scheduled(sessions, SET_UP) == ["Tue 01 Dec 15:00", "Tue 05 Jan 15:00"]


def test_the_message_tells_bob_what_changed_in_his_zone_with_who_leads_as_slack_ids(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    change = replace(AS_SHOWN, at=time(11), caller_is_manager=False)
    edit_series(sessions, AFTER_FIRST, AS_ALICE, weekly.series_id, change, BERLIN, source="view:V5")
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.id == weekly.bob_id).values(timezone=TOKYO))
    [row] = queued(sessions, MessageKind.SERIES_CHANGED)
    with sessions() as session:
        told = load_series_changed(session, row, AFTER_FIRST)
    assert told is not None
    assert (told.timezone, told.by_user_id, told.reader_user_id) == (TOKYO, ALICE, BOB)
    assert told.changes == (
        Change(Field.WHEN, Slot(TUE, time(18)), Slot(TUE, time(19))),
        Change(Field.LEADER, ALICE, BOB),
    )
    assert told.next_starts_at == datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    # Ended before it was delivered: the notice of the end says what counts, this one is dropped.
    series.cancel(sessions, AFTER_FIRST, AS_BOB, weekly.series_id)
    with sessions() as session:
        assert load_series_changed(session, row, AFTER_FIRST) is None
