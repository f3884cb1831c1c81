"""A summary records the meeting as held; a second one adds to the first; nothing else changes."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import summaries, topics
from bot.services.agenda import TopicLine
from bot.services.summaries import ActionInput, SummaryInput, SummaryInvalid
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Note, OutboxMessage, Summary, Topic
from tests.services.conftest import FIRST, FIRST_END, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB, CAROL

NOW = FIRST_END + timedelta(minutes=5)


def test_a_summary_marks_the_meeting_held_and_goes_to_the_two_of_them(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    covered = topics.add_topic(sessions, SET_UP, AS_BOB, None, "Promotion").topic_id
    form = SummaryInput(
        first,
        source="view:S1",
        key_points="Agreed on a plan",
        actions=[
            ActionInput("action_1", "Write it down", BOB, None),
            ActionInput("action_2", " ", None, None),
        ],
        covered_topic_ids=[covered],
        note="Seemed relieved",
    )
    summaries.submit_summary(sessions, NOW, AS_ALICE, form)
    assert meeting(sessions, first).status is MeetingStatus.HELD
    with sessions() as session:
        assert session.scalars(select(Summary.key_points)).all() == ["Agreed on a plan"]
        items = session.scalars(select(ActionItem)).all()
        assert [(a.text, a.owner_id, a.meeting_id) for a in items] == [
            ("Write it down", weekly.bob_id, first)
        ]
        assert session.get(Topic, covered).status is TopicStatus.COVERED  # type: ignore[union-attr]
        note = session.scalars(select(Note)).one()
        assert (note.author_id, note.text) == (weekly.alice_id, "Seemed relieved")
    [posted] = queued(sessions, MessageKind.SUMMARY)
    assert posted.recipient_id is None and posted.channel_id is None  # the pair's group DM, nobody else
    assert sorted(posted.params["group"]) == sorted([weekly.alice_id, weekly.bob_id])


def test_a_second_summary_adds_to_the_first(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    summaries.submit_summary(sessions, NOW, AS_ALICE, SummaryInput(first, "view:S1", "Alice's points"))
    summaries.submit_summary(sessions, NOW, AS_BOB, SummaryInput(first, "view:S2", "Bob's points"))
    with sessions() as session:
        assert session.scalars(select(Summary.key_points).order_by(Summary.id)).all() == [
            "Alice's points",
            "Bob's points",
        ]
        second_id = session.scalars(select(Summary.id).order_by(Summary.id.desc())).first()
    assert meeting(sessions, first).status is MeetingStatus.HELD
    [posted] = queued(sessions, MessageKind.SUMMARY)  # one summary message, in one thread
    [added] = queued(sessions, MessageKind.SUMMARY_ADDED)
    assert added.params == {"meeting_id": first, "summary_id": second_id, "thread_of": posted.id}


def test_the_same_submission_delivered_twice_is_stored_once(sessions: SessionFactory, weekly: Weekly) -> None:
    form = SummaryInput(
        weekly.meeting_ids[0], "view:S1", actions=[ActionInput("action_1", "Do it", BOB, None)]
    )
    summaries.submit_summary(sessions, NOW, AS_BOB, form)
    summaries.submit_summary(sessions, NOW, AS_BOB, form)
    with sessions() as session:
        assert len(session.scalars(select(Summary)).all()) == 1
        assert len(session.scalars(select(ActionItem)).all()) == 1
    assert len(queued(sessions, MessageKind.SUMMARY_ADDED)) == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"key_points": " "}, "key_points", "Write a few key points or at least one action item."),
        ({"key_points": "x" * 3001}, "key_points", "Keep the key points under 3,000 characters."),
        (
            {"key_points": "Ok", "note": "n" * 3001},
            "note",
            "That note is 3,001 characters long; the limit is 3,000. Shorten it, or split it into several.",
        ),
        (
            {"actions": [ActionInput("action_1", "Hire", CAROL, None, owner_field="owner_1")]},
            "owner_1",
            "Pick one of the two of you as the owner.",
        ),
        (
            {"actions": [ActionInput("action_2", "x" * 501, BOB, None)]},
            "action_2",
            "That action item is 501 characters long; the limit is 500. "
            "Shorten it, or split it into several.",
        ),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_stored(
    sessions: SessionFactory, weekly: Weekly, fields: dict[str, Any], field: str, message: str
) -> None:
    with refused(sessions) as error:
        summaries.submit_summary(
            sessions, NOW, AS_ALICE, SummaryInput(weekly.meeting_ids[0], "view:S1", **fields)
        )
    assert isinstance(error.value, SummaryInvalid) and (error.value.field, error.value.message) == (
        field,
        message,
    )


def test_an_outsider_can_neither_see_nor_summarise_the_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    with refused(sessions, "That 1:1 isn't one of yours."):
        summaries.summary_form(sessions, AS_CAROL, weekly.meeting_ids[0])
    with refused(sessions, "That 1:1 isn't one of yours."):
        summaries.submit_summary(
            sessions, NOW, AS_CAROL, SummaryInput(weekly.meeting_ids[0], "view:S1", "Mine")
        )


def test_the_form_offers_the_meetings_open_topics_and_covers_only_this_pairs(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    theirs = topics.add_topic(sessions, SET_UP, AS_CAROL, None, "Carol's topic").topic_id
    ours = topics.add_topic(sessions, SET_UP, AS_ALICE, None, "Roadmap").topic_id
    form = summaries.summary_form(sessions, AS_BOB, weekly.meeting_ids[0])
    assert [(t.id, t.text) for t in form.topics] == [(ours, "Roadmap")]
    crafted = SummaryInput(weekly.meeting_ids[0], "view:S1", "Ok", covered_topic_ids=[ours, theirs])
    summaries.submit_summary(sessions, NOW, AS_BOB, crafted)
    with sessions() as session:
        assert session.get(Topic, ours).status is TopicStatus.COVERED  # type: ignore[union-attr]
        assert session.get(Topic, theirs).status is TopicStatus.OPEN  # type: ignore[union-attr]


def test_key_points_at_their_limit_an_actions_due_date_and_the_note_are_kept_with_the_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    form = SummaryInput(
        first,
        "view:S1",
        "k" * summaries.KEY_POINTS_MAX_CHARS,
        actions=[ActionInput("action_1", "Write it down", BOB, date(2026, 12, 8))],
        note="Seemed relieved",
    )
    summaries.submit_summary(sessions, NOW, AS_ALICE, form)
    with sessions() as session:
        assert [(a.text, a.due_date) for a in session.scalars(select(ActionItem))] == [
            ("Write it down", date(2026, 12, 8))
        ]
        assert [(n.text, n.meeting_id) for n in session.scalars(select(Note))] == [("Seemed relieved", first)]


def test_a_summary_without_a_note_stores_none(sessions: SessionFactory, weekly: Weekly) -> None:
    summaries.submit_summary(
        sessions, NOW, AS_ALICE, SummaryInput(weekly.meeting_ids[0], "view:S1", "Ok", note=" ")
    )
    with sessions() as session:
        assert session.scalars(select(Note)).all() == []


def test_the_summary_messages_keep_their_keys_and_a_second_part_updates_the_posted_one(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    summaries.submit_summary(sessions, NOW, AS_ALICE, SummaryInput(first, "view:S1", "Alice's points"))
    with sessions.begin() as session:  # as delivery records it once Slack has posted it
        session.execute(update(OutboxMessage).where(OutboxMessage.kind == "summary").values(status="sent"))
    summaries.submit_summary(sessions, NOW, AS_BOB, SummaryInput(first, "view:S2", "Bob's points"))
    with sessions() as session:
        alices, bobs = session.scalars(select(Summary.id).order_by(Summary.id)).all()
    [posted] = queued(sessions, MessageKind.SUMMARY)
    group = {"meeting_id": first, "group": [weekly.alice_id, weekly.bob_id]}
    assert [(m["key"], m["meeting_id"], m["params"]) for m in addressed(sessions)[1:]] == [
        (f"summary:{first}", first, group),
        (f"summary_update:{posted.id}:summary-{bobs}", first, {"meeting_id": first, "update_of": posted.id}),
        (f"summary_added:{bobs}", first, {"meeting_id": first, "summary_id": bobs, "thread_of": posted.id}),
    ]
    assert alices < bobs


def test_the_form_shows_each_topic_with_its_author_and_the_authors_own_private_ones(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ours = topics.add_topic(sessions, SET_UP, AS_ALICE, None, "Roadmap").topic_id
    with sessions.begin() as session:  # a topic only Bob may see
        private = Topic(
            pair_id=weekly.pair_id,
            meeting_id=weekly.meeting_ids[0],
            author_id=weekly.bob_id,
            text="Leaving?",
            visibility=Visibility.PRIVATE,
            created_at=SET_UP,
        )
        session.add(private)
        session.flush()
        private_id = private.id
    form = summaries.summary_form(sessions, AS_BOB, weekly.meeting_ids[0])
    assert form == summaries.SummaryForm(
        weekly.meeting_ids[0],
        ALICE,
        BOB,
        FIRST,
        [TopicLine(ours, "Roadmap", ALICE), TopicLine(private_id, "Leaving?", BOB)],
    )
    alices = summaries.summary_form(sessions, AS_ALICE, weekly.meeting_ids[0])
    assert (alices.other_user_id, alices.actor_user_id, [t.id for t in alices.topics]) == (BOB, ALICE, [ours])
