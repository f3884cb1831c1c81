"""Who a command is about: only a series makes a pair, and nobody else's 1:1 is reachable."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.pairs import Actor, NoSuchPair, own_meeting, resolve_pair
from bot.store import people
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person, Topic
from tests.read_back import manager_of_the_pair
from tests.services.conftest import FIRST, Weekly, schedule_weekly
from tests.services.helpers import refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB, CAROL, TEAM


def _resolve(sessions: SessionFactory, actor: Actor, other: str | None) -> tuple[str, str]:
    with sessions() as session:
        me, pair = resolve_pair(session, FIRST, actor, other, create=False)
        return me.slack_user_id, pair.other(me.id).slack_user_id


def test_naming_someone_without_a_series_is_refused_and_creates_nobody(sessions: SessionFactory) -> None:
    with refused(sessions, "You don't have a 1:1 with {}.") as error:
        _resolve(sessions, AS_ALICE, BOB)
    assert isinstance(error.value, NoSuchPair) and error.value.people == (BOB,)
    with sessions() as session:
        assert session.scalars(select(Person)).all() == []


def test_only_a_series_makes_a_pair_and_says_who_leads(sessions: SessionFactory) -> None:
    schedule_weekly(sessions, AS_ALICE, BOB)
    assert _resolve(sessions, AS_BOB, ALICE) == (BOB, ALICE)
    assert _resolve(sessions, AS_ALICE, None) == (ALICE, BOB)  # her only 1:1: no need to name Bob
    assert manager_of_the_pair(sessions) == ALICE


def test_a_pair_an_older_version_made_without_a_series_stays_invisible(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    # Carol once aimed a topic at Bob, which made a pair (and kept her topic) without a series.
    with sessions.begin() as session:
        bob = session.get(Person, weekly.bob_id)
        assert bob is not None
        carol = Person(workspace_id=bob.workspace_id, slack_user_id=CAROL, created_at=FIRST)
        session.add(carol)
        session.flush()
        low, high = sorted((carol.id, bob.id))
        phantom = Pair(workspace_id=bob.workspace_id, member_a_id=low, member_b_id=high, created_at=FIRST)
        session.add(phantom)
        session.flush()
        session.add(Topic(pair_id=phantom.id, author_id=carol.id, text="An old topic", created_at=FIRST))
    with refused(sessions, "You don't have a 1:1 with {}.", people=(CAROL,)):
        _resolve(sessions, AS_BOB, CAROL)
    with refused(sessions, "You don't have any 1:1s yet"):
        _resolve(sessions, AS_CAROL, None)
    # Bob has one real 1:1, so a command without a name is about it, not "which one?".
    assert _resolve(sessions, AS_BOB, None) == (BOB, ALICE)
    with sessions() as session:
        bob = session.get(Person, weekly.bob_id)
        assert bob is not None
        assert [pair.id for pair in people.pairs_of(session, bob)] == [weekly.pair_id]


def test_without_a_name_several_1on1s_are_listed_as_people_not_markup(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=2)
    with refused(sessions, "You have 1:1s with several people ({}, {})", people=(BOB, CAROL)):
        _resolve(sessions, AS_ALICE, None)


def test_a_1on1_with_yourself_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "A 1:1 takes two people"):
        _resolve(sessions, AS_ALICE, ALICE)


def test_the_same_people_in_another_workspace_have_no_1on1(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "You don't have a 1:1 with {}."):
        _resolve(sessions, Actor("T0002", ALICE), BOB)


def test_someone_elses_meeting_and_a_missing_one_get_the_same_refusal(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")  # Carol is known, with a 1:1 of her own
    for actor, meeting_id in ((AS_CAROL, weekly.meeting_ids[0]), (AS_ALICE, max(weekly.meeting_ids) + 999)):
        with refused(sessions, "That 1:1 isn't one of yours."), sessions() as session:
            own_meeting(session, actor, meeting_id)
    with sessions() as session:
        assert own_meeting(session, AS_BOB, weekly.meeting_ids[0])[0].id == weekly.meeting_ids[0]


def test_a_1on1_nobody_named_is_refused_with_how_to_start_one(sessions: SessionFactory) -> None:
    advice = "Start one with `/1on1 schedule`, mentioning them: e.g. `/1on1 schedule @name weekly tue 10:00`."
    with refused(sessions, "You don't have a 1:1 with {}.", advice, people=(BOB,)):
        _resolve(sessions, AS_ALICE, BOB)
    with refused(sessions, "You don't have any 1:1s yet, so say who this is for: mention them with @."):
        _resolve(sessions, Actor(TEAM, "UNOBODY1"), None)


def test_with_many_1on1s_the_refusal_names_ten(sessions: SessionFactory) -> None:
    others = [f"UOTHER{n:02}" for n in range(11)]
    for other in others:
        schedule_weekly(sessions, AS_ALICE, other)
    with refused(sessions, "You have 1:1s with several people", people=tuple(others[:10])) as error:
        _resolve(sessions, AS_ALICE, None)
    assert error.value.message.count("{}") == 10


def test_a_stranger_cannot_open_a_meeting(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "That 1:1 isn't one of yours."), sessions() as session:
        own_meeting(session, Actor(TEAM, "UNOBODY1"), weekly.meeting_ids[0])
