"""Topics: only onto a 1:1 that exists, onto the right meeting, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.domain.errors import EmptyText, TextTooLong
from bot.domain.outbox import MessageKind
from bot.services import series, topics
from bot.services.pairs import Actor
from bot.services.prompts import queue_due_prompts
from bot.services.topics import DirectMessage
from bot.store import people
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, PendingTopic, Person, Series, Topic
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB, CAROL, TEAM

NOW = SET_UP + timedelta(hours=1)


def _topic_rows(sessions: SessionFactory) -> list[Topic]:
    with sessions() as session:
        return list(session.scalars(select(Topic).order_by(Topic.id)))


def _topics(sessions: SessionFactory) -> list[tuple[str, int | None]]:
    return [(t.text, t.meeting_id) for t in _topic_rows(sessions)]


def test_a_topic_for_someone_without_a_series_is_refused_and_stores_nothing(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with refused(sessions, "You don't have a 1:1 with {}.", "/1on1 schedule", people=(CAROL,)):
        topics.add_topic(sessions, NOW, AS_ALICE, CAROL, "Can we talk?")
    # Nor can a stranger aim one at someone who has a 1:1: Carol is not even stored.
    with refused(sessions, "You don't have a 1:1 with {}."):
        topics.add_topic(sessions, NOW, AS_CAROL, BOB, "Can we talk?")
    with sessions() as session:
        assert CAROL not in session.scalars(select(Person.slack_user_id)).all()


def test_a_topic_goes_to_the_next_meeting_and_once_that_is_over_to_the_one_after(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    added = topics.add_topic(sessions, NOW, AS_BOB, None, "Promotion")
    assert (added.other_user_id, added.meeting_starts_at) == (ALICE, FIRST)
    later = topics.add_topic(sessions, FIRST_END, AS_ALICE, BOB, "Offsite")
    assert later.meeting_starts_at == SECOND
    assert _topics(sessions) == [("Promotion", weekly.meeting_ids[0]), ("Offsite", weekly.meeting_ids[1])]


@pytest.mark.parametrize(("text", "error"), [(" \n\t ", EmptyText), ("x" * 501, TextTooLong)])
def test_an_empty_or_overlong_topic_is_refused(
    sessions: SessionFactory, weekly: Weekly, text: str, error: type[Exception]
) -> None:
    with refused(sessions) as refusal:
        topics.add_topic(sessions, NOW, AS_BOB, None, text)
    assert isinstance(refusal.value, error)
    topics.add_topic(sessions, NOW, AS_BOB, None, "x" * 500)  # the limit itself is fine


def test_the_add_a_topic_form_lands_on_its_own_meeting_once(sessions: SessionFactory, weekly: Weekly) -> None:
    third = weekly.meeting_ids[2]
    for _ in range(2):  # Slack delivered the submission twice
        topics.add_topic_to_meeting(sessions, NOW, AS_BOB, third, "Later", source="view:V1")
    # A form for a meeting that is over puts its topic on the next one.
    topics.add_topic_to_meeting(sessions, FIRST_END, AS_ALICE, weekly.meeting_ids[0], "Late", "view:V2")
    assert _topics(sessions) == [("Later", third), ("Late", weekly.meeting_ids[1])]
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    with refused(sessions, "That 1:1 isn't one of yours."):
        topics.add_topic_to_meeting(sessions, NOW, AS_CAROL, third, "Mine now", source="view:V3")


def test_a_dm_goes_to_the_only_1on1_once_and_is_confirmed_in_its_thread(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    message = DirectMessage(AS_BOB, "Career plans", channel_id="D0BOB", ts="1700000000.0001")
    topics.topic_from_dm(sessions, NOW, message)
    topics.topic_from_dm(sessions, NOW, message)  # Slack redelivered the event
    assert _topics(sessions) == [("Career plans", weekly.meeting_ids[0])]
    [reply] = queued(sessions, MessageKind.TOPIC_CONFIRMED)
    assert (reply.channel_id, reply.thread_ts, reply.recipient_id) == ("D0BOB", "1700000000.0001", None)


def test_a_dm_from_someone_with_several_1on1s_waits_for_their_choice(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "Budget", channel_id="D0ALICE", ts="1.0"))
    assert _topics(sessions) == []
    [question] = queued(sessions, MessageKind.WHICH_MEETING)
    pending_id = question.params["pending_id"]
    with refused(sessions, "That topic was already added, or it isn't yours."):
        topics.choose_meeting_for_pending(sessions, NOW, AS_BOB, pending_id, weekly.pair_id)
    added = topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, pending_id, weekly.pair_id)
    assert (added.other_user_id, added.meeting_starts_at) == (BOB, FIRST)
    assert _topics(sessions) == [("Budget", weekly.meeting_ids[0])]
    with sessions() as session:
        assert session.scalars(select(PendingTopic)).all() == []
    with refused(sessions, "That topic was already added"):  # the other button, clicked too
        topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, pending_id, weekly.pair_id)


def test_a_dm_from_someone_without_a_1on1_is_answered_and_nobody_is_stored(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_CAROL, "Hello?", channel_id="D0CAROL", ts="1.0"))
    assert _topics(sessions) == []
    [reply] = queued(sessions)[1:]  # after the series' announcement
    assert reply.kind == MessageKind.NO_MEETING and reply.channel_id == "D0CAROL"
    assert "don't have any 1:1s yet" in reply.params["problem"]
    with sessions() as session:
        assert CAROL not in session.scalars(select(Person.slack_user_id)).all()


def test_a_reply_in_a_prompts_thread_goes_to_that_prompts_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)  # two 1:1s: a plain DM would ask which
    queue_due_prompts(sessions, SET_UP)  # the 1 Dec meeting is within a day: both are asked at once
    with sessions.begin() as session:  # as delivery records Alice's prompt once Slack posted it
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == MessageKind.PROMPT, OutboxMessage.recipient_id == weekly.alice_id)
            .values(status="sent", sent_channel_id="D0ALICE", sent_ts="2.0")
        )
    reply = DirectMessage(AS_ALICE, "Hiring", channel_id="D0ALICE", ts="3.0", thread_ts="2.0")
    topics.topic_from_dm(sessions, NOW, reply)
    assert _topics(sessions) == [("Hiring", weekly.meeting_ids[0])]
    assert queued(sessions, MessageKind.WHICH_MEETING) == []


def _mark_sent(sessions: SessionFactory, recipient_id: int, meeting_id: int, channel: str, ts: str) -> None:
    """As delivery records a prompt once Slack posted it."""
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.kind == MessageKind.PROMPT,
                OutboxMessage.recipient_id == recipient_id,
                OutboxMessage.meeting_id == meeting_id,
            )
            .values(status="sent", sent_channel_id=channel, sent_ts=ts)
        )


def test_a_reply_in_a_later_prompts_thread_goes_to_that_meeting_once_and_is_confirmed(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    second = weekly.meeting_ids[1]
    queue_due_prompts(sessions, SECOND - timedelta(hours=24))  # the 1 Dec and 8 Dec prompts
    _mark_sent(sessions, weekly.bob_id, second, "D0BOB", "2.0")
    reply = DirectMessage(AS_BOB, "Hiring", channel_id="D0BOB", ts="3.0", thread_ts="2.0")
    for _ in range(2):  # Slack redelivered the event
        topics.topic_from_dm(sessions, NOW, reply)
    assert _topics(sessions) == [("Hiring", second)]  # not the 1 Dec one, which comes first
    [topic_id] = [t.id for t in _topic_rows(sessions)]
    assert addressed(sessions, MessageKind.TOPIC_CONFIRMED) == [
        {
            "key": "topic_confirmed:dm:D0BOB:3.0",
            "recipient_id": None,
            "channel_id": "D0BOB",
            "thread_ts": "2.0",
            "meeting_id": None,
            "params": {"topic_id": topic_id},
        }
    ]


def test_a_reply_in_a_thread_the_bot_did_not_start_is_a_plain_dm(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    reply = DirectMessage(AS_BOB, "Hiring", channel_id="D0BOB", ts="3.0", thread_ts="2.0")
    topics.topic_from_dm(sessions, NOW, reply)
    assert _topics(sessions) == [("Hiring", weekly.meeting_ids[0])]
    [topic_id] = [t.id for t in _topic_rows(sessions)]
    [confirmed] = addressed(sessions, MessageKind.TOPIC_CONFIRMED)
    assert (confirmed["key"], confirmed["params"]) == ("topic_confirmed:dm:D0BOB:3.0", {"topic_id": topic_id})


def test_a_reply_cannot_reach_a_1on1_that_is_not_the_senders(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    queue_due_prompts(sessions, SET_UP)
    _mark_sent(sessions, weekly.alice_id, weekly.meeting_ids[0], "D0ALICE", "2.0")
    # Carol's event naming Alice's prompt as its thread (as if forged) goes to Carol's own 1:1 instead.
    forged = DirectMessage(AS_CAROL, "Snooping", channel_id="D0ALICE", ts="3.0", thread_ts="2.0")
    topics.topic_from_dm(sessions, NOW, forged)
    with sessions() as session:
        [topic] = session.scalars(select(Topic)).all()
        assert topic.pair_id != weekly.pair_id


def test_a_plain_dm_is_confirmed_under_its_own_message(sessions: SessionFactory, weekly: Weekly) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "Career", channel_id="D0BOB", ts="1.0"))
    [topic_id] = [t.id for t in _topic_rows(sessions)]
    [confirmed] = addressed(sessions, MessageKind.TOPIC_CONFIRMED)
    assert (confirmed["key"], confirmed["thread_ts"], confirmed["params"]) == (
        "topic_confirmed:dm:D0BOB:1.0",
        "1.0",
        {"topic_id": topic_id},
    )


def test_a_dm_with_nowhere_to_go_is_answered_with_the_refusal_in_plain_words(
    sessions: SessionFactory,
) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_CAROL, "Hello?", channel_id="D0CAROL", ts="1.0"))
    assert addressed(sessions, MessageKind.NO_MEETING) == [
        {
            "key": "no_meeting:dm:D0CAROL:1.0",
            "recipient_id": None,
            "channel_id": "D0CAROL",
            "thread_ts": "1.0",
            "meeting_id": None,
            "params": {"problem": topics._NO_1ON1S, "people": []},
        }
    ]


def test_a_dm_from_someone_known_but_without_a_1on1_is_answered_too(sessions: SessionFactory) -> None:
    with sessions.begin() as session:  # an older version's pair: no series, so no 1:1
        team = people.workspace(session, TEAM, SET_UP)
        carol, dave = (people.person(session, team.id, user, SET_UP) for user in (CAROL, "UDAVE001"))
        people.pair(session, carol, dave, SET_UP)
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_CAROL, "Hello?", channel_id="D0CAROL", ts="1.0"))
    [answer] = addressed(sessions, MessageKind.NO_MEETING)
    assert answer["params"] == {"problem": topics._NO_1ON1S, "people": []}
    assert _topics(sessions) == []


def test_a_topic_with_no_meeting_ahead_waits_on_the_agenda(sessions: SessionFactory, weekly: Weekly) -> None:
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    added = topics.add_topic(sessions, NOW, AS_BOB, None, "Raise")
    assert (added.text, added.other_user_id, added.meeting_starts_at) == ("Raise", ALICE, None)
    assert _topics(sessions) == [("Raise", None)]


def test_a_pending_topic_goes_only_to_one_of_its_authors_own_1on1s_once(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)
    other = schedule_weekly(sessions, Actor(TEAM, "UDAVE001"), "UEVE0001")
    message = DirectMessage(AS_ALICE, "Budget", channel_id="D0ALICE", ts="1.0")
    topics.topic_from_dm(sessions, NOW, message)
    [question] = queued(sessions, MessageKind.WHICH_MEETING)
    pending_id = question.params["pending_id"]
    with sessions() as session:
        foreign = session.get(Series, other.series_id)
        assert foreign is not None
        foreign_pair = foreign.pair_id
    for pair_id in (foreign_pair, foreign_pair + 1000):
        with refused(sessions, "That 1:1 isn't one of yours."):
            topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, pending_id, pair_id)
    topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, pending_id, weekly.pair_id)
    topics.topic_from_dm(sessions, NOW, message)  # Slack redelivered the DM after the choice
    assert _topics(sessions) == [("Budget", weekly.meeting_ids[0])]
    with sessions() as session:
        assert session.scalars(select(PendingTopic)).all() == []  # not asked again
