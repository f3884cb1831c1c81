"""Hand over (issue 15, part 3) at the service level: exactly what moves to the new pair and what stays with
the old manager, who may answer a request, and the refusals that change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import handoff
from bot.services.messages.handoff import load_handoff_asked, load_handoff_done
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    Meeting,
    Note,
    OutboxMessage,
    Pair,
    Person,
    PulseCheck,
    Series,
    Summary,
    Topic,
)
from tests.services.conftest import SECOND, Weekly
from tests.services.helpers import queued, refused
from tests.services.people import AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE, BOB, CAROL, DAVE

NOW = SECOND + timedelta(hours=2)  # two meetings held, the rest ahead


def person_id(sessions: SessionFactory, user_id: str) -> int:
    with sessions() as session:
        found = session.scalar(select(Person.id).where(Person.slack_user_id == user_id))
        assert found is not None
        return found


def history_rows(sessions: SessionFactory, weekly: Weekly) -> None:
    """Alice and Bob's 1:1 as it stands: each kind of row that moves, or stays, with the hand-over."""
    past, ahead = weekly.meeting_ids[0], weekly.meeting_ids[2]
    alice, bob, pair = weekly.alice_id, weekly.bob_id, weekly.pair_id
    at = NOW - timedelta(days=10)

    def topic(author: int, text: str, meeting: int | None, status: TopicStatus, vis: Visibility) -> Topic:
        return Topic(
            pair_id=pair,
            meeting_id=meeting,
            author_id=author,
            text=text,
            status=status,
            visibility=vis,
            created_at=at,
        )

    def item(owner: int, text: str, meeting: int | None, done: datetime | None = None) -> ActionItem:
        return ActionItem(
            pair_id=pair,
            meeting_id=meeting,
            owner_id=owner,
            created_by_id=alice,
            text=text,
            done_at=done,
            created_at=at,
        )

    with sessions.begin() as session:
        session.add_all(
            [
                topic(alice, "alice shared covered", past, TopicStatus.COVERED, Visibility.SHARED),
                topic(alice, "alice private covered", past, TopicStatus.COVERED, Visibility.PRIVATE),
                topic(alice, "alice shared open", None, TopicStatus.OPEN, Visibility.SHARED),
                topic(bob, "bob private open", ahead, TopicStatus.OPEN, Visibility.PRIVATE),
                topic(bob, "bob shared covered", past, TopicStatus.COVERED, Visibility.SHARED),
                Note(pair_id=pair, meeting_id=past, author_id=alice, text="alice note", created_at=at),
                Note(pair_id=pair, meeting_id=ahead, author_id=bob, text="bob note", created_at=at),
                item(alice, "alice done", past, done=at),
                item(alice, "alice open", past),
                item(bob, "bob open", ahead),
                PulseCheck(meeting_id=past, pair_id=pair, person_id=bob, happy=4, updated_at=at),
                PulseCheck(
                    meeting_id=weekly.meeting_ids[1], pair_id=pair, person_id=alice, happy=3, updated_at=at
                ),
                Summary(
                    meeting_id=past, author_id=alice, key_points="went well", source="view:1", created_at=at
                ),
            ]
        )


def request(sessions: SessionFactory, to: str = CAROL) -> int:
    handoff.request_handoff(sessions, NOW, AS_ALICE, BOB, to)
    with sessions() as session:
        return max(session.scalars(select(OutboxMessage.params)).all(), key=lambda p: p.get("request_id", 0))[
            "request_id"
        ]


def test_confirming_moves_the_shared_history_and_leaves_the_old_managers_own(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    history_rows(sessions, weekly)
    request_id = request(sessions)

    answered = handoff.confirm(sessions, NOW, AS_BOB, request_id)

    assert answered == handoff.HandoffAnswered("UALICE01", CAROL, accepted=True)
    carol = person_id(sessions, CAROL)
    with sessions() as session:
        new = session.scalar(select(Pair).where(Pair.manager_id == carol))
        assert new is not None and {new.member_a_id, new.member_b_id} == {weekly.bob_id, carol}
        old = weekly.pair_id
        topics = {t.text: (t.pair_id, t.meeting_id, t.visibility) for t in session.scalars(select(Topic))}
        assert topics["alice shared covered"][0] == new.id
        assert topics["bob shared covered"][0] == new.id
        assert topics["alice private covered"][0] == old  # private: stays its author's
        assert topics["alice shared open"][0] == old  # her own point to raise: stays hers
        # Bob's private topic came along, still private, and loose: it goes on the new pair's next meeting.
        assert topics["bob private open"] == (new.id, None, Visibility.PRIVATE)
        notes = {n.text: (n.pair_id, n.meeting_id) for n in session.scalars(select(Note))}
        assert notes == {"alice note": (old, weekly.meeting_ids[0]), "bob note": (new.id, None)}
        items = {a.text: (a.pair_id, a.owner_id) for a in session.scalars(select(ActionItem))}
        assert items == {
            "alice done": (new.id, weekly.alice_id),  # the record of what was done, as it was
            "alice open": (new.id, carol),  # her open commitment passes to the new manager
            "bob open": (new.id, weekly.bob_id),
        }
        assert {p.pair_id for p in session.scalars(select(PulseCheck))} == {new.id}
        meetings = {m.id: (m.pair_id, m.status) for m in session.scalars(select(Meeting))}
        assert meetings[weekly.meeting_ids[0]][0] == meetings[weekly.meeting_ids[1]][0] == new.id
        ahead = [meetings[i] for i in weekly.meeting_ids[2:]]
        assert ahead and all(found == (old, MeetingStatus.CANCELLED) for found in ahead)
        series = session.get(Series, weekly.series_id)
        assert series is not None and not series.active and series.ended_at == NOW
        assert session.get(Pair, old).manager_id == weekly.alice_id  # type: ignore[union-attr]
    done = [m.params for m in queued(sessions, MessageKind.HANDOFF_DONE)]
    assert [p["role"] for p in done] == [handoff.OLD_MANAGER, handoff.REPORT, handoff.NEW_MANAGER]
    assert {(p["meetings"], p["open_actions"], p["taken_over"]) for p in done} == {(2, 2, 1)}


def test_only_the_report_answers_and_only_once(sessions: SessionFactory, weekly: Weekly) -> None:
    request_id = request(sessions)
    for outsider in (AS_ALICE, AS_CAROL, AS_DAVE):
        with refused(sessions, "That 1:1 isn't one of yours."):
            handoff.confirm(sessions, NOW, outsider, request_id)
        with refused(sessions, "That 1:1 isn't one of yours."):
            handoff.decline(sessions, NOW, outsider, request_id)
    with refused(sessions, "That 1:1 isn't one of yours."):
        handoff.confirm(sessions, NOW, AS_BOB, request_id + 1000)

    handoff.decline(sessions, NOW, AS_BOB, request_id)

    with refused(sessions, "You said not now to this already"):
        handoff.confirm(sessions, NOW, AS_BOB, request_id)
    told = queued(sessions, MessageKind.HANDOFF_DONE)
    assert [(m.recipient_id, m.params["role"]) for m in told] == [(weekly.alice_id, handoff.DECLINED)]


def test_a_request_refused_at_confirmation_when_things_changed_meanwhile(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    request_id = request(sessions)
    # Carol's account was deactivated since: she can't take over.
    with sessions.begin() as session:
        carol = session.scalar(select(Person).where(Person.slack_user_id == CAROL))
        assert carol is not None
        carol.deactivated_at = NOW
    with refused(sessions, "has a deactivated account, so they can't take over your 1:1"):
        handoff.confirm(sessions, NOW, AS_BOB, request_id)
    with sessions.begin() as session:
        session.get(Person, carol.id).deactivated_at = None  # type: ignore[union-attr]
        # Meanwhile Bob came to lead the 1:1 himself: Alice's request no longer stands.
        session.get(Pair, weekly.pair_id).manager_id = weekly.bob_id  # type: ignore[union-attr]
    with refused(sessions, "no longer leads your 1:1"):
        handoff.confirm(sessions, NOW, AS_BOB, request_id)


def test_a_pair_that_only_had_stray_topics_is_taken_over(sessions: SessionFactory, weekly: Weekly) -> None:
    """An older version made a pair (no manager) from a topic aimed at anyone: it is no 1:1, so no merge."""
    with sessions.begin() as session:
        bob = session.get(Person, weekly.bob_id)
        assert bob is not None
        carol = Person(workspace_id=bob.workspace_id, slack_user_id=CAROL, created_at=NOW)
        session.add(carol)
        session.flush()
        low, high = sorted((weekly.bob_id, carol.id))
        session.add(Pair(workspace_id=bob.workspace_id, member_a_id=low, member_b_id=high, created_at=NOW))
    handoff.confirm(sessions, NOW, AS_BOB, request(sessions))
    with sessions() as session:
        pairs = session.scalars(select(Pair).where(Pair.manager_id == carol.id)).all()
        assert (
            len(pairs) == 1
            and session.scalar(select(Meeting.pair_id).where(Meeting.id == weekly.meeting_ids[0]))
            == pairs[0].id
        )


def test_a_request_replaced_before_it_was_sent_is_dropped(sessions: SessionFactory, weekly: Weekly) -> None:
    first = request(sessions, to=DAVE)
    second = request(sessions, to=CAROL)
    with sessions() as session:
        asking = select(OutboxMessage).where(OutboxMessage.kind == MessageKind.HANDOFF_ASKED)
        rows = {m.params["request_id"]: m for m in session.scalars(asking)}
        assert load_handoff_asked(session, rows[first], NOW) is None
        asked = load_handoff_asked(session, rows[second], NOW)
        assert asked is not None and (asked.old_manager_user_id, asked.new_manager_user_id) == (
            "UALICE01",
            CAROL,
        )
    handoff.confirm(sessions, NOW, AS_BOB, second)
    with sessions() as session:
        for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == MessageKind.HANDOFF_DONE)
        ):
            done = load_handoff_done(session, row, NOW)
            assert done is not None and done.report_user_id == BOB and done.new_manager_user_id == CAROL


@pytest.mark.parametrize(
    ("caller", "report", "to", "fragment"),
    [
        (AS_BOB, "UALICE01", CAROL, "leads your 1:1, so it isn't yours to hand over"),
        (AS_ALICE, BOB, "UALICE01", "You already lead your 1:1 with"),
        (AS_ALICE, BOB, BOB, "can't take over their own 1:1"),
        (AS_ALICE, CAROL, DAVE, "You don't have a 1:1 with"),
    ],
)
def test_a_refused_request_changes_nothing(
    sessions: SessionFactory, weekly: Weekly, caller: object, report: str, to: str, fragment: str
) -> None:
    with refused(sessions, fragment):
        handoff.request_handoff(sessions, NOW, caller, report, to)  # type: ignore[arg-type]
