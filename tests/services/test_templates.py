"""Topic templates through the services (issue 14, part 2): adding a templated topic by command, DM and form,
a concern only by the manager and held back from the report until the meeting starts (or until shared),
and each step's outcome recorded with the summary and posted with it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.errors import InvalidField
from bot.domain.outbox import MessageKind
from bot.domain.templates import CONCERN_MANAGER_ONLY, TopicKind
from bot.services import agenda, summaries, topics
from bot.services.messages.summary import StepOutcome, TopicOutcomes, load_summary
from bot.services.pairs import Actor
from bot.services.summaries import OutcomeInput, SummaryInput, SummaryInvalid
from bot.services.topics import DirectMessage
from bot.store import agenda as agenda_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person, TemplateOutcome, Topic
from tests.read_back import changed, every_row
from tests.services.conftest import FIRST, FIRST_END, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE, BERLIN, BOB, DAVE

NOW = SET_UP + timedelta(hours=1)
AFTER = FIRST_END + timedelta(minutes=5)
KIND_FIELD = "topic_kind"


def topic_rows(sessions: SessionFactory) -> list[tuple[str, TopicKind, bool, int]]:
    """(text, kind, held back, author id) of every topic, oldest first."""
    with sessions() as session:
        return [
            (t.text, t.kind, t.held_back, t.author_id)
            for t in session.scalars(select(Topic).order_by(Topic.id))
        ]


def agenda_texts(sessions: SessionFactory, actor: Actor) -> list[str]:
    """The next meeting's topics as `actor` sees them in `/1on1 agenda` (at NOW, before the meeting)."""
    return [t.text for t in agenda.show_agenda(sessions, NOW, actor, None, BERLIN).topics]


def seen_at(sessions: SessionFactory, weekly: Weekly, viewer_id: int, at: datetime | None) -> list[str]:
    """The first meeting's topics as `viewer_id` sees them at `at`."""
    with sessions() as session:
        first = session.get(Meeting, weekly.meeting_ids[0])
        return [t.text for t in agenda_store.topics_for(session, weekly.pair_id, first, viewer_id, at)]


# ------------------------------------------------------------------------------------------- adding


def test_a_keyword_makes_a_templated_topic_for_either_person(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    grow = topics.add_topic(sessions, NOW, AS_BOB, None, "grow: Becoming a tech lead")
    career = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "Career:  Bob's next two years")
    topics.add_topic(sessions, NOW, AS_BOB, None, "Feedback: the launch")
    topics.add_topic(sessions, NOW, AS_BOB, None, "Growth: not a keyword")
    assert (grow.kind, grow.text, grow.held_back) == (TopicKind.GROW, "Becoming a tech lead", False)
    assert career.kind is TopicKind.CAREER
    assert topic_rows(sessions) == [
        ("Becoming a tech lead", TopicKind.GROW, False, weekly.bob_id),
        ("Bob's next two years", TopicKind.CAREER, False, weekly.alice_id),
        ("the launch", TopicKind.FEEDBACK, False, weekly.bob_id),
        ("Growth: not a keyword", TopicKind.PLAIN, False, weekly.bob_id),
    ]
    # Both see every one of them, with its kind.
    lines = agenda.show_agenda(sessions, NOW, AS_ALICE, BOB, BERLIN).topics
    assert [(t.text, t.kind) for t in lines][:2] == [
        ("Becoming a tech lead", TopicKind.GROW),  # the report's first
        ("the launch", TopicKind.FEEDBACK),
    ]


def test_a_keyword_alone_is_refused_and_stores_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "Write what the grow coaching is about after `grow:`."):
        topics.add_topic(sessions, NOW, AS_BOB, None, "grow:   ")


def test_only_the_manager_raises_a_concern_and_nothing_is_stored_otherwise(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with refused(sessions, CONCERN_MANAGER_ONLY):
        topics.add_topic(sessions, NOW, AS_BOB, None, "concern: my manager's workload")
    before = every_row(sessions)
    with pytest.raises(InvalidField) as error:  # the form: refused on its kind menu
        topics.add_topic_to_meeting(
            sessions,
            NOW,
            AS_BOB,
            weekly.meeting_ids[0],
            "x",
            "view:V1",
            kind=TopicKind.CONCERN,
            kind_field=KIND_FIELD,
        )
    assert (error.value.field, error.value.message) == (KIND_FIELD, CONCERN_MANAGER_ONLY)
    assert changed(before, every_row(sessions)) == set()
    added = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: missed deadlines since October")
    assert (added.kind, added.held_back) == (TopicKind.CONCERN, True)


def test_the_form_takes_the_kind_picked_and_a_concern_shared_at_once(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    topics.add_topic_to_meeting(
        sessions, NOW, AS_BOB, first, "grow: as typed", "view:V1", kind=TopicKind.GROW
    )
    topics.add_topic_to_meeting(
        sessions, NOW, AS_ALICE, first, "Deadlines", "view:V2", kind=TopicKind.CONCERN
    )
    topics.add_topic_to_meeting(
        sessions, NOW, AS_ALICE, first, "Code reviews", "view:V3", kind=TopicKind.CONCERN, share=True
    )
    topics.add_topic_to_meeting(
        sessions, NOW, AS_ALICE, first, "Code reviews", "view:V3", kind=TopicKind.CONCERN
    )
    assert topic_rows(sessions) == [
        ("grow: as typed", TopicKind.GROW, False, weekly.bob_id),  # the form's text is taken as typed
        ("Deadlines", TopicKind.CONCERN, True, weekly.alice_id),
        ("Code reviews", TopicKind.CONCERN, False, weekly.alice_id),  # once, as first delivered
    ]


def test_the_form_offers_a_concern_to_the_manager_alone_and_refuses_no_id(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    assert topics.add_topic_form(sessions, AS_ALICE, first) == topics.AddTopicForm(first, leads=True)
    assert topics.add_topic_form(sessions, AS_BOB, first) == topics.AddTopicForm(first, leads=False)
    assert topics.add_topic_form(sessions, AS_CAROL, first).leads is False  # checked on submit
    assert topics.add_topic_form(sessions, AS_ALICE, 10**9).leads is False


def test_a_dm_may_start_with_a_keyword_and_a_reports_concern_is_answered_with_the_refusal(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "GROW: speaking at meetups", "D0BOB", "1.0"))
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "concern: on-call load", "D0BOB", "2.0"))
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "concern: deadlines", "D0ALICE", "3.0"))
    assert topic_rows(sessions) == [
        ("speaking at meetups", TopicKind.GROW, False, weekly.bob_id),
        ("deadlines", TopicKind.CONCERN, True, weekly.alice_id),
    ]
    [answer] = queued(sessions, MessageKind.NO_MEETING)
    assert (answer.thread_ts, answer.params["problem"]) == ("2.0", CONCERN_MANAGER_ONLY)


def test_a_pending_dm_keeps_its_keyword_until_the_1on1_is_picked(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, ALICE, weekday=3)  # Carol leads her 1:1 with Alice
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "concern: deadlines", "D0ALICE", "1.0"))
    [question] = queued(sessions, MessageKind.WHICH_MEETING)
    with sessions() as session:
        carol_pair = session.scalars(select(Meeting.pair_id).where(Meeting.pair_id != weekly.pair_id)).first()
    assert carol_pair is not None
    with refused(sessions, CONCERN_MANAGER_ONLY):  # Alice doesn't lead her 1:1 with Carol
        topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, question.params["pending_id"], carol_pair)
    added = topics.choose_meeting_for_pending(
        sessions, NOW, AS_ALICE, question.params["pending_id"], weekly.pair_id
    )
    assert (added.kind, added.text, added.held_back) == (TopicKind.CONCERN, "deadlines", True)


# ------------------------------------------------------------------------------------------- held back


def test_a_held_back_concern_is_its_authors_alone_until_the_meeting_starts(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.add_topic(sessions, NOW, AS_BOB, None, "Raise")
    topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: deadlines")
    assert agenda_texts(sessions, AS_ALICE) == ["Raise", "deadlines"]
    assert agenda_texts(sessions, AS_BOB) == ["Raise"]
    [line] = [t for t in agenda.show_agenda(sessions, NOW, AS_ALICE, BOB, BERLIN).topics if t.held_back]
    assert (line.text, line.author_user_id, line.kind) == ("deadlines", ALICE, TopicKind.CONCERN)
    just_before = FIRST - timedelta(seconds=1)
    assert seen_at(sessions, weekly, weekly.bob_id, just_before) == ["Raise"]
    assert seen_at(sessions, weekly, weekly.bob_id, FIRST) == ["Raise", "deadlines"]
    assert seen_at(sessions, weekly, weekly.bob_id, None) == ["Raise"]  # no clock: never early
    assert seen_at(sessions, weekly, weekly.alice_id, just_before) == ["Raise", "deadlines"]


def test_a_concern_carried_over_from_a_skipped_meeting_waits_for_the_next_ones_start(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: deadlines")
    second_start = FIRST + timedelta(days=7)
    assert seen_at(sessions, weekly, weekly.bob_id, FIRST_END) == ["deadlines"]  # the first one started
    with sessions() as session:
        second = session.get(Meeting, weekly.meeting_ids[1])
        bob_sees = agenda_store.carried_over(session, weekly.pair_id, second, weekly.bob_id, FIRST_END)
        assert bob_sees == []  # on the next meeting's agenda it waits for that meeting
        bob_sees = agenda_store.carried_over(session, weekly.pair_id, second, weekly.bob_id, second_start)
        assert [t.text for t in bob_sees] == ["deadlines"]


def test_a_concern_left_open_in_a_held_meeting_stays_shown_on_the_next_ones_agenda(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    concern = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: deadlines").topic_id
    summaries.submit_summary(
        sessions, AFTER, AS_ALICE, SummaryInput(weekly.meeting_ids[0], "view:S1", "Talked")
    )
    with sessions() as session:
        second = session.get(Meeting, weekly.meeting_ids[1])
        bob_sees = agenda_store.carried_over(session, weekly.pair_id, second, weekly.bob_id, AFTER)
        assert [t.text for t in bob_sees] == ["deadlines"]  # both saw it in the meeting: no longer held back
        assert session.get(Topic, concern).held_back is False
    # Nor is it marked "only you until the meeting" for Alice any more.
    lines = agenda.show_agenda(sessions, AFTER, AS_ALICE, BOB, BERLIN).carried_over
    assert [(t.text, t.held_back) for t in lines] == [("deadlines", False)]


def test_share_now_shows_it_at_once_and_only_its_author_may(sessions: SessionFactory, weekly: Weekly) -> None:
    concern = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: deadlines").topic_id
    for outsider in (AS_BOB, AS_CAROL, AS_DAVE):
        with refused(sessions, "That 1:1 isn't one of yours."):
            topics.share_topic(sessions, NOW, outsider, concern)
    with refused(sessions, "That 1:1 isn't one of yours."):
        topics.share_topic(sessions, NOW, AS_ALICE, 10**9)
    with sessions.begin() as session:  # Bob opened the Home tab once: it is kept current for him
        bob = session.get(Person, weekly.bob_id)
        assert bob is not None
        bob.home_opened_at = SET_UP
    shared = topics.share_topic(sessions, NOW, AS_ALICE, concern)
    assert (shared.other_user_id, shared.text) == (BOB, "deadlines")
    assert agenda_texts(sessions, AS_BOB) == ["deadlines"]
    with sessions() as session:
        homes = session.scalars(
            select(OutboxMessage.recipient_id).where(OutboxMessage.kind == MessageKind.HOME)
        )
        assert weekly.bob_id in homes.all()  # his Home tab's count is published again
    topics.share_topic(sessions, NOW, AS_ALICE, concern)  # again: nothing more to do, no harm
    assert topic_rows(sessions) == [("deadlines", TopicKind.CONCERN, False, weekly.alice_id)]


# ------------------------------------------------------------------------------------------- the summary


@pytest.fixture
def grow(sessions: SessionFactory, weekly: Weekly) -> int:
    """Bob's GROW topic on the first meeting."""
    return topics.add_topic(sessions, NOW, AS_BOB, None, "grow: Becoming a tech lead").topic_id


def outcome(topic_id: int, step: str, text: str) -> OutcomeInput:
    return OutcomeInput(f"outcome_{topic_id}_{step}", topic_id, step, text)


def stored_outcomes(sessions: SessionFactory) -> list[tuple[int, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(TemplateOutcome).order_by(TemplateOutcome.id))
        return [(o.topic_id, o.step, o.text) for o in rows]


def test_the_summary_form_lists_the_templated_topics_with_their_kinds(
    sessions: SessionFactory, weekly: Weekly, grow: int
) -> None:
    topics.add_topic(sessions, NOW, AS_BOB, None, "Plain")
    concern = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: deadlines").topic_id
    form = summaries.summary_form(sessions, AS_BOB, weekly.meeting_ids[0], AFTER)
    assert [(t.id, t.kind) for t in form.templated] == [(grow, TopicKind.GROW), (concern, TopicKind.CONCERN)]
    # Before the meeting (a crafted click), Alice's concern is still hers alone.
    early = summaries.summary_form(sessions, AS_BOB, weekly.meeting_ids[0], NOW)
    assert [t.id for t in early.templated] == [grow] and "deadlines" not in [t.text for t in early.topics]


def test_outcomes_are_stored_per_step_and_posted_with_the_summary(
    sessions: SessionFactory, weekly: Weekly, grow: int
) -> None:
    first = weekly.meeting_ids[0]
    form = SummaryInput(
        first,
        "view:S1",
        covered_topic_ids=[grow],
        outcomes=[
            outcome(grow, "goal", "Lead the payments team"),
            outcome(grow, "will", "Shadow Carol\nby Friday"),
        ],
    )
    summaries.submit_summary(sessions, AFTER, AS_BOB, form)  # outcomes alone make a summary
    # Alice's form still offers the topic Bob ticked as covered: she adds her view of a step.
    assert [t.id for t in summaries.summary_form(sessions, AS_ALICE, first, AFTER).templated] == [grow]
    summaries.submit_summary(
        sessions,
        AFTER,
        AS_ALICE,
        SummaryInput(first, "view:S2", "Good talk", outcomes=[outcome(grow, "will", "Pair")]),
    )
    assert stored_outcomes(sessions) == [
        (grow, "goal", "Lead the payments team"),
        (grow, "will", "Shadow Carol\nby Friday"),
        (grow, "will", "Pair"),
    ]
    [row] = queued(sessions, MessageKind.SUMMARY)
    with sessions() as session:
        view = load_summary(session, row, AFTER)
    assert view is not None and view.outcomes == (
        TopicOutcomes(
            TopicKind.GROW,
            "Becoming a tech lead",
            (
                StepOutcome("goal", ((BOB, "Lead the payments team"),)),
                StepOutcome("will", ((BOB, "Shadow Carol\nby Friday"), (ALICE, "Pair"))),
            ),
        ),
    )


def test_a_forged_outcome_for_a_topic_that_is_not_on_the_form_is_never_stored(
    sessions: SessionFactory, weekly: Weekly, grow: int
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    theirs = topics.add_topic(sessions, NOW, AS_DAVE, None, "grow: Dave's goal").topic_id
    plain = topics.add_topic(sessions, NOW, AS_BOB, None, "Plain").topic_id
    topics.add_topic_to_meeting(
        sessions, NOW, AS_BOB, weekly.meeting_ids[1], "Next week", "view:V9", kind=TopicKind.GROW
    )
    with sessions() as session:
        next_week = session.scalars(select(Topic.id).where(Topic.text == "Next week")).one()
    concern = topics.add_topic(sessions, NOW, AS_ALICE, BOB, "concern: next week's").topic_id
    with sessions.begin() as session:  # Alice's concern moved to next week: still hers alone then
        found = session.get(Topic, concern)
        assert found is not None
        found.meeting_id = weekly.meeting_ids[1]
    forged = [
        outcome(theirs, "goal", "another pair's topic"),
        outcome(plain, "goal", "a plain topic has no steps"),
        outcome(grow, "expectation", "a step GROW lacks"),
        outcome(next_week, "goal", "next week's topic"),
        outcome(concern, "observed", "a concern Bob can't see yet"),
        outcome(grow, "goal", "   "),
        outcome(grow, "goal", "Kept"),
    ]
    summaries.submit_summary(
        sessions, AFTER, AS_BOB, SummaryInput(weekly.meeting_ids[0], "view:S1", outcomes=forged)
    )
    assert stored_outcomes(sessions) == [(grow, "goal", "Kept")]


def test_an_overlong_outcome_is_refused_on_its_field_and_nothing_is_stored(
    sessions: SessionFactory, weekly: Weekly, grow: int
) -> None:
    form = SummaryInput(
        weekly.meeting_ids[0],
        "view:S1",
        "Points",
        outcomes=[outcome(grow, "goal", "ok"), outcome(grow, "will", "w" * 501)],
    )
    with refused(sessions, "That outcome is 501 characters long; the limit is 500.") as error:
        summaries.submit_summary(sessions, AFTER, AS_BOB, form)
    assert isinstance(error.value, SummaryInvalid) and error.value.field == f"outcome_{grow}_will"
    with sessions() as session:
        assert session.scalars(select(TemplateOutcome)).all() == []
