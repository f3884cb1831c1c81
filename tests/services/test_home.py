"""The Home tab's rules without Slack: what it shows of each 1:1, who is re-published to when something
changes (the session hook), and the refusals of its buttons."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select, update

from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import actions, home, summaries, topics
from bot.services.agenda import add_note
from bot.services.summaries import ActionInput, SummaryInput
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, OutboxMessage, Pair, Person, Series, Topic
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import meeting, queued, refused
from tests.services.people import AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE, BOB, DAVE

AFTER = FIRST_END + timedelta(minutes=5)


def view_of(sessions: SessionFactory, person_id: int, now: datetime) -> home.HomeView:
    with sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return home.home_of(session, person, now)


def open_home(sessions: SessionFactory, *people: int) -> None:
    with sessions.begin() as session:
        for person_id in people:
            person = session.get(Person, person_id)
            assert person is not None
            person.home_opened_at = SET_UP


def forget_home_rows(sessions: SessionFactory) -> None:
    """As if every HOME row so far had been delivered and paced out: the next change queues afresh."""
    with sessions.begin() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind == MessageKind.HOME))


def home_rows(sessions: SessionFactory) -> list[tuple[int | None, str]]:
    """Each HOME row's person and key, oldest first."""
    return [(row.recipient_id, row.key) for row in queued(sessions, MessageKind.HOME)]


# ------------------------------------------------------------------------------------------ what it shows


def test_each_side_sees_its_own_topic_count_and_action_items_with_overdue_marked(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    now = FIRST - timedelta(hours=2)
    topics.add_topic(sessions, now, AS_ALICE, BOB, "Hiring")
    topics.add_topic(sessions, now, AS_BOB, None, "Growth")
    topics.add_topic(sessions, now, AS_BOB, None, "Workload")
    actions.add_action(sessions, now, AS_ALICE, BOB, "Old thing", BOB, date(2026, 11, 30))
    actions.add_action(sessions, now, AS_ALICE, BOB, "New thing", None, date(2026, 12, 24))

    (alice,) = view_of(sessions, weekly.alice_id, now).pairs
    (bob,) = view_of(sessions, weekly.bob_id, now).pairs

    assert (alice.my_topics, alice.their_topics) == (1, 2)
    assert (bob.my_topics, bob.their_topics) == (2, 1)
    assert [(a.text, a.overdue) for a in alice.their_actions] == [("Old thing", True)]
    assert [(a.text, a.overdue) for a in alice.my_actions] == [("New thing", False)]
    assert [a.text for a in bob.my_actions] == ["Old thing"]
    assert alice.i_lead and not bob.i_lead
    assert alice.next_meeting_id == weekly.meeting_ids[0] and alice.next_starts_at == FIRST
    assert alice.series is not None and alice.series.series_id == weekly.series_id


def test_write_the_summary_is_offered_for_the_latest_ended_meeting_until_someone_summarises_it(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    (before,) = view_of(sessions, weekly.alice_id, FIRST_END - timedelta(minutes=1)).pairs
    assert before.to_summarise is None
    (ended,) = view_of(sessions, weekly.alice_id, AFTER).pairs
    assert ended.to_summarise == weekly.meeting_ids[0]
    assert ended.next_meeting_id == weekly.meeting_ids[1]

    summaries.submit_summary(
        sessions, AFTER, AS_BOB, SummaryInput(weekly.meeting_ids[0], "view:V1", key_points="Good")
    )

    (done,) = view_of(sessions, weekly.alice_id, AFTER).pairs
    assert done.to_summarise is None
    assert done.last_held_at == FIRST
    assert (done.held, done.skipped, done.missed) == (1, 0, 0)


def test_a_skipped_or_missed_meeting_is_not_offered_and_counts_in_the_health(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Meeting).where(Meeting.id.in_(weekly.meeting_ids[:2])).values(status=MeetingStatus.MISSED)
        )
        session.execute(
            update(Meeting).where(Meeting.id == weekly.meeting_ids[2]).values(status=MeetingStatus.SKIPPED)
        )
    (line,) = view_of(sessions, weekly.alice_id, SECOND + timedelta(days=8)).pairs
    assert line.to_summarise is None
    assert (line.held, line.skipped, line.missed) == (0, 1, 2)
    assert line.last_held_at is None


def test_soonest_first_and_past_fifteen_1on1s_the_rest_are_counted(sessions: SessionFactory) -> None:
    caller = AS_ALICE
    people = [f"UREPORT{n:02d}" for n in range(18)]
    for n, user in enumerate(people):
        # Later weekdays and times for later reports: report 0 is the soonest.
        schedule_weekly(sessions, caller, user, weekday=1 + n // 6, at=time(9 + n % 6))
    with sessions() as session:
        alice = session.scalar(select(Person).where(Person.slack_user_id == caller.user_id))
        assert alice is not None
        view = home.home_of(session, alice, SET_UP)
    assert [p.other_user_id for p in view.pairs] == people[: home.MAX_PAIRS]
    assert view.more == 3


def test_load_home_drops_the_row_of_someone_who_never_opened_the_tab(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with sessions() as session:
        row = OutboxMessage(key="k", kind="home", recipient_id=weekly.bob_id, params={})
        assert home.load_home(session, row, SET_UP) is None
    open_home(sessions, weekly.bob_id)
    with sessions() as session:
        view = home.load_home(session, row, SET_UP)
        assert view is not None and [p.other_user_id for p in view.pairs] == ["UALICE01"]


# ------------------------------------------------------------------------------------------ its buttons


def test_a_pair_that_isnt_yours_is_refused_alike_whether_it_exists_or_not(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    for pair_id in (weekly.pair_id, 999_999):
        for act in (
            lambda p: home.next_meeting_of_pair(sessions, SET_UP, AS_DAVE, p),
            lambda p: home.agenda_of_pair(sessions, SET_UP, AS_DAVE, p),
            lambda p: home.skip_next_of_pair(sessions, SET_UP, AS_DAVE, p),
            lambda p: home.reschedule_form(sessions, SET_UP, AS_DAVE, p),
        ):
            with refused(sessions, home.NOT_YOURS):
                act(pair_id)


def test_the_agenda_is_the_readers_own_with_their_private_notes_only(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add_note(sessions, SET_UP, AS_ALICE, BOB, "Alice's note")
    add_note(sessions, SET_UP, AS_BOB, None, "Bob's note")
    assert home.agenda_of_pair(sessions, SET_UP, AS_ALICE, weekly.pair_id).my_notes == ["Alice's note"]
    assert home.agenda_of_pair(sessions, SET_UP, AS_BOB, weekly.pair_id).my_notes == ["Bob's note"]


@pytest.mark.parametrize(
    ("day", "at", "field", "words"),
    [
        (date(2026, 11, 30), time(9), "time", "already passed"),  # today (in Berlin), an hour ago
        (date(2026, 11, 29), time(12), "day", "already passed"),  # yesterday
        (date(2028, 1, 4), time(12), "day", "more than a year"),
    ],
)
def test_a_reschedule_refusal_names_the_field_at_fault_and_moves_nothing(
    sessions: SessionFactory, weekly: Weekly, day: date, at: time, field: str, words: str
) -> None:
    now = SET_UP  # Monday 30 November, 10:00 in Berlin
    with refused(sessions, words) as error:
        home.reschedule_next_of_pair(
            sessions, now, AS_ALICE, weekly.pair_id, day, at, day_field="day", time_field="time"
        )
    assert isinstance(error.value, InvalidField) and error.value.field == field


def test_reschedule_moves_the_next_meeting_in_the_readers_zone(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    change = home.reschedule_next_of_pair(
        sessions, SET_UP, AS_BOB, weekly.pair_id, date(2026, 12, 2), time(14), day_field="d", time_field="t"
    )
    moved = meeting(sessions, weekly.meeting_ids[0])
    assert moved.starts_at == change.starts_at == FIRST + timedelta(days=1, hours=4)  # 14:00 Berlin


# ------------------------------------------------------------------------------------------ kept current


def test_a_change_republishes_the_two_people_who_opened_home_and_only_them(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.add_topic(sessions, SET_UP, AS_BOB, None, "Before anyone opened Home")
    assert home_rows(sessions) == []
    open_home(sessions, weekly.alice_id)

    topics.add_topic(sessions, SET_UP, AS_BOB, None, "After Alice opened it")
    topics.add_topic(sessions, SET_UP, AS_BOB, None, "And another")

    assert home_rows(sessions) == [(weekly.alice_id, f"home:{weekly.alice_id}:0")]  # one row, coalesced


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("followup_queued_at", SET_UP),
        ("prompt_queued_at", SET_UP),
        ("nudge_count", 1),
        ("last_nudged_at", SET_UP),
        ("offered_slots", [1, 2]),
        ("question_key", "growth-1"),
        ("prompt_at", SET_UP),
    ],
)
def test_the_clocks_bookkeeping_on_a_meeting_republishes_nothing(
    sessions: SessionFactory, weekly: Weekly, column: str, value: object
) -> None:
    open_home(sessions, weekly.alice_id, weekly.bob_id)
    with sessions.begin() as session:
        found = session.get(Meeting, weekly.meeting_ids[0])
        setattr(found, column, value)
        series = session.get(Series, weekly.series_id)
        assert series is not None
        series.materialised_until = SECOND + timedelta(days=60)
        person = session.get(Person, weekly.alice_id)
        assert person is not None
        person.dm_channel_id, person.timezone_checked_at = "D123", SET_UP
    assert home_rows(sessions) == []


def test_what_a_home_tab_shows_republishes_whom_it_concerns(sessions: SessionFactory, weekly: Weekly) -> None:
    open_home(sessions, weekly.alice_id, weekly.bob_id)
    both = {weekly.alice_id, weekly.bob_id}
    changes = {
        "a meeting's status": (Meeting, weekly.meeting_ids[0], "status", MeetingStatus.SKIPPED, both),
        "a meeting's start": (Meeting, weekly.meeting_ids[1], "starts_at", SECOND + timedelta(hours=1), both),
        "the series ended": (Series, weekly.series_id, "active", False, both),
        "who leads": (Pair, weekly.pair_id, "manager_id", weekly.bob_id, both),
        "Alice's zone": (Person, weekly.alice_id, "timezone", "Asia/Tokyo", {weekly.alice_id}),
        "Bob's settings": (Person, weekly.bob_id, "question_suggestions", False, {weekly.bob_id}),
    }
    for what, (model, row_id, column, value, whom) in changes.items():
        forget_home_rows(sessions)
        with sessions.begin() as session:
            setattr(session.get(model, row_id), column, value)
        assert {person for person, _ in home_rows(sessions)} == whom, what


def test_a_summary_and_an_action_done_republish_both(sessions: SessionFactory, weekly: Weekly) -> None:
    open_home(sessions, weekly.alice_id, weekly.bob_id)
    form = SummaryInput(
        weekly.meeting_ids[0],
        "view:V1",
        key_points="Fine",
        actions=[ActionInput("a1", "Write it up", BOB, None)],
    )
    summaries.submit_summary(sessions, AFTER, AS_ALICE, form)
    assert {person for person, _ in home_rows(sessions)} == {weekly.alice_id, weekly.bob_id}
    forget_home_rows(sessions)
    with sessions() as session:
        action_id = session.scalars(select(ActionItem.id)).one()
    actions.complete_action(sessions, AFTER, AS_BOB, action_id)
    assert {person for person, _ in home_rows(sessions)} == {weekly.alice_id, weekly.bob_id}


def test_a_rolled_back_change_queues_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    open_home(sessions, weekly.alice_id)
    with pytest.raises(DomainError), sessions.begin() as session:
        session.add(Topic(pair_id=weekly.pair_id, author_id=weekly.bob_id, text="Gone", created_at=SET_UP))
        session.flush()
        raise DomainError("changed my mind")
    with sessions.begin() as session:
        alice = session.get(Person, weekly.alice_id)
        assert alice is not None
        session.add(Person(workspace_id=alice.workspace_id, slack_user_id="UNEW0001", created_at=SET_UP))
    assert home_rows(sessions) == []
