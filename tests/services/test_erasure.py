"""Delete my data (issue 15, part 2), without Slack: what goes, what stays, the placeholder left behind,
the other person told once, a replay that changes nothing, and the person a stranger afterwards."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.agenda import Visibility
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import MeetingStatus
from bot.domain.names import FORMER_PARTICIPANT, is_placeholder, placeholder_id
from bot.domain.outbox import MessageKind
from bot.services import erasure
from bot.services.pairs import resolve_pair
from bot.slack.text import escape, mention
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    BusyInterval,
    Meeting,
    Note,
    OutboxMessage,
    PendingTopic,
    Person,
    PulseCheck,
    QuestionRetired,
    Series,
    TimeAway,
    Topic,
)
from tests.read_back import every_row
from tests.services.conftest import FIRST_END, SET_UP, Weekly
from tests.services.helpers import addressed
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB

NOW = FIRST_END + timedelta(hours=1)  # the first meeting is over, the next five are ahead


def _bobs_world(sessions: SessionFactory, w: Weekly) -> None:
    """Everything Bob can leave in the database, and what Alice has of her own."""
    first, later = w.meeting_ids[0], w.meeting_ids[1]
    with sessions.begin() as session:
        session.add_all(
            [
                Topic(
                    pair_id=w.pair_id,
                    meeting_id=first,
                    author_id=w.bob_id,
                    text="Bob shared",
                    source="dm:DBOB:1.1",
                    created_at=SET_UP,
                ),
                Topic(
                    pair_id=w.pair_id,
                    author_id=w.bob_id,
                    text="Bob private",
                    visibility=Visibility.PRIVATE,
                    created_at=SET_UP,
                ),
                Topic(
                    pair_id=w.pair_id,
                    meeting_id=later,
                    author_id=w.bob_id,
                    text="Bob held back",
                    held_back=True,
                    created_at=SET_UP,
                ),
                Topic(
                    pair_id=w.pair_id, author_id=w.alice_id, text=f"Ask <@{BOB}> about it", created_at=SET_UP
                ),
                Note(pair_id=w.pair_id, author_id=w.bob_id, text="Bob's note", created_at=SET_UP),
                Note(pair_id=w.pair_id, author_id=w.alice_id, text="Alice's note", created_at=SET_UP),
                ActionItem(
                    pair_id=w.pair_id,
                    owner_id=w.bob_id,
                    created_by_id=w.alice_id,
                    text="Bob's item",
                    created_at=SET_UP,
                ),
                PulseCheck(
                    meeting_id=first, pair_id=w.pair_id, person_id=w.bob_id, happy=2, updated_at=SET_UP
                ),
                PulseCheck(
                    meeting_id=first, pair_id=w.pair_id, person_id=w.alice_id, happy=4, updated_at=SET_UP
                ),
                TimeAway(
                    person_id=w.bob_id,
                    first_day=date(2026, 12, 20),
                    last_day=date(2026, 12, 24),
                    created_at=SET_UP,
                ),
                BusyInterval(person_id=w.bob_id, starts_at=NOW, ends_at=NOW + timedelta(hours=1)),
                PendingTopic(author_id=w.bob_id, text="Bob pending", source="dm:DBOB:2.2", created_at=SET_UP),
                QuestionRetired(
                    pair_id=w.pair_id, question_key="q1", retired_by_id=w.bob_id, retired_at=SET_UP
                ),
                OutboxMessage(
                    key="sent-to-bob",
                    kind="prompt",
                    recipient_id=w.bob_id,
                    sent_channel_id="DBOB",
                    status="sent",
                    next_attempt_at=SET_UP,
                    created_at=SET_UP,
                ),
            ]
        )
        bob = session.get(Person, w.bob_id)
        assert bob is not None
        bob.display_name, bob.dm_channel_id, bob.calendar_token_hash = "Bob Builder", "DBOB", "ab" * 32
        bob.busy_url, bob.work_days, bob.prompt_lead_minutes = "https://cal.example/bob.ics", "0123", 120


def _count(sessions: SessionFactory, model: type, **where: object) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query) or 0


def test_the_form_lists_their_1on1s_by_the_other_person(sessions: SessionFactory, weekly: Weekly) -> None:
    form = erasure.erasure_form(sessions, AS_BOB)
    assert form == erasure.ErasureForm((erasure.OneOnOne(ALICE, running=True),))


def test_someone_the_bot_never_knew_is_told_there_is_nothing_to_delete(sessions: SessionFactory) -> None:
    with pytest.raises(DomainError, match="nothing stored about you"):
        erasure.erasure_form(sessions, AS_CAROL)
    before = every_row(sessions)
    assert erasure.erase_me(sessions, NOW, AS_CAROL) is None
    assert every_row(sessions) == before


@pytest.mark.parametrize("typed", [None, "", "delet", "yes", "delete everything"])
def test_without_the_typed_word_it_is_refused_on_its_field(typed: str | None) -> None:
    with pytest.raises(InvalidField) as refused:
        erasure.confirmed(typed)
    assert refused.value.field == erasure.CONFIRM and "Nothing was deleted" in refused.value.message


def test_the_word_may_have_any_case_and_spaces() -> None:
    erasure.confirmed("  Delete ")


def test_what_is_theirs_goes_and_their_row_becomes_a_placeholder(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    _bobs_world(sessions, weekly)
    erased = erasure.erase_me(sessions, NOW, AS_BOB)
    assert erased == erasure.Erased((ALICE,))
    bob = weekly.bob_id
    for model, column in [
        (Note, "author_id"),
        (PulseCheck, "person_id"),
        (TimeAway, "person_id"),
        (BusyInterval, "person_id"),
        (PendingTopic, "author_id"),
        (QuestionRetired, "retired_by_id"),
        (OutboxMessage, "recipient_id"),
    ]:
        assert _count(sessions, model, **{column: bob}) == 0, model
    with sessions() as session:
        topics = {t.text: t for t in session.scalars(select(Topic))}
        person = session.get(Person, bob)
        assert person is not None
        assert is_placeholder(person.slack_user_id) and person.erased_at == NOW
        identifying = (person.display_name, person.timezone, person.dm_channel_id, person.calendar_token_hash)
        assert identifying == (None, None, None, None)
        assert (person.busy_url, person.work_days, person.prompt_lead_minutes) == (None, None, None)
        item = session.scalars(select(ActionItem)).one()
        notes = [n.text for n in session.scalars(select(Note))]
        pulses = [p.person_id for p in session.scalars(select(PulseCheck))]
    # Shared history stays, pointing at the placeholder; their private and held-back topics are gone.
    assert set(topics) == {"Bob shared", f"Ask {FORMER_PARTICIPANT} about it"}
    assert topics["Bob shared"].author_id == bob and topics["Bob shared"].source is None
    assert item.owner_id == bob and item.text == "Bob's item"
    assert notes == ["Alice's note"] and pulses == [weekly.alice_id]


def test_their_series_end_and_the_other_person_is_told_once(sessions: SessionFactory, weekly: Weekly) -> None:
    erasure.erase_me(sessions, NOW, AS_BOB)
    with sessions() as session:
        series = session.get(Series, weekly.series_id)
        assert series is not None and not series.active and series.ended_at == NOW
        statuses = [m.status for m in session.scalars(select(Meeting).order_by(Meeting.starts_at))]
    assert statuses[0] is MeetingStatus.SCHEDULED  # the meeting already held (unrecorded) stays as it was
    assert set(statuses[1:]) == {MeetingStatus.CANCELLED}
    told = addressed(sessions, MessageKind.PARTNER_ERASED)
    assert told == [
        {
            "key": f"partner_erased:{weekly.pair_id}",
            "recipient_id": weekly.alice_id,
            "channel_id": None,
            "thread_ts": None,
            "meeting_id": None,
            "params": {"pair_id": weekly.pair_id, "series_id": weekly.series_id},
        }
    ]


def test_a_replay_changes_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    _bobs_world(sessions, weekly)
    erasure.erase_me(sessions, NOW, AS_BOB)
    before = every_row(sessions)
    assert erasure.erase_me(sessions, NOW + timedelta(seconds=1), AS_BOB) is None
    assert every_row(sessions) == before


def test_afterwards_they_are_a_stranger_who_starts_afresh(sessions: SessionFactory, weekly: Weekly) -> None:
    erasure.erase_me(sessions, NOW, AS_BOB)
    with pytest.raises(DomainError, match="nothing stored about you"):
        erasure.erasure_form(sessions, AS_BOB)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, NOW, AS_BOB, ALICE, create=True)
        assert me.id != weekly.bob_id and me.slack_user_id == BOB and me.erased_at is None
        assert pair.id != weekly.pair_id
    # Alice's old pair still holds the placeholder, not Bob again.
    with sessions() as session:
        placeholder = session.get(Person, weekly.bob_id)
        assert placeholder is not None and is_placeholder(placeholder.slack_user_id)
    assert erasure.erasure_form(sessions, AS_ALICE).one_on_ones[0].other_user_id == placeholder.slack_user_id


def test_a_placeholder_reads_as_a_former_participant_and_can_never_be_a_slack_id() -> None:
    made = {placeholder_id() for _ in range(100)}
    assert len(made) == 100
    assert all(is_placeholder(one) and not re.fullmatch(r"[UW][A-Z0-9]+", one) for one in made)
    one = made.pop()
    assert mention(one) == FORMER_PARTICIPANT and one not in escape(mention(one))
    assert mention(BOB) == f"<@{BOB}>" and not is_placeholder(BOB)
