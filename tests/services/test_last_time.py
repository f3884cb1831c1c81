"""What the previous meeting left, at the top of the next agenda, and the nudge on a status-only agenda:
the rules against a real database (Alice leads a weekly 1:1 with Bob, tests/services/conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, update

from bot.domain.agenda import Visibility
from bot.domain.last_time import NUDGE_THEMES
from bot.domain.meetings import MeetingStatus
from bot.domain.questions import BANK, Theme, question_by_key
from bot.domain.templates import TopicKind
from bot.services import actions, agenda, series, summaries, topics
from bot.services.agenda import AgendaView
from bot.services.last_time import LastTime, last_time_of
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from bot.store.last_time import previous_held
from bot.store.models import Meeting, Pair, Person, QuestionRetired, QuestionShown, Topic
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly
from tests.services.people import ALICE, AS_ALICE, AS_BOB, BERLIN, BOB
from tests.store.test_query_plans import plan_of

NOW = SET_UP + timedelta(hours=1)
AFTER = FIRST_END + timedelta(hours=2)
THEMED = [q.key for q in BANK if q.theme in NUDGE_THEMES]


def theme_of(key: str) -> Theme:
    question = question_by_key(key)
    assert question is not None
    return question.theme


def summarise(
    sessions: SessionFactory, weekly: Weekly, nth: int, key_points: str, *, by: Actor = AS_BOB, **more: Any
) -> None:
    """`by` writes the summary of the `nth` meeting as it ends."""
    end = FIRST_END + timedelta(days=7 * nth)
    form = summaries.SummaryInput(weekly.meeting_ids[nth], f"view:{nth}:{by.user_id}", key_points, **more)
    summaries.submit_summary(sessions, end, by, form)


def seen_by(sessions: SessionFactory, actor: Actor, now: datetime = AFTER) -> AgendaView:
    return agenda.show_agenda(sessions, now, actor, None, BERLIN)


# --- last time --------------------------------------------------------------------------------------------


def test_nothing_before_the_first_meeting_is_held(sessions: SessionFactory, weekly: Weekly) -> None:
    topics.add_topic(sessions, NOW, AS_BOB, None, "Career growth")
    for actor in (AS_ALICE, AS_BOB):
        assert seen_by(sessions, actor, NOW).last_time is None
    # Over, but nobody wrote a summary: still nothing to pick up.
    assert seen_by(sessions, AS_BOB, AFTER).last_time is None


def test_the_next_agenda_opens_with_the_points_decisions_items_done_and_topics_not_covered(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    covered = topics.add_topic(sessions, NOW, AS_BOB, None, "Career growth").topic_id
    topics.add_topic(sessions, NOW, AS_ALICE, None, "Budget")
    topics.add_topic(sessions, NOW, AS_BOB, None, "Offsite")
    before = actions.add_action(sessions, NOW, AS_ALICE, None, "Book a room", None, None).action_id
    actions.complete_action(sessions, NOW, AS_ALICE, before)  # done before the meeting: not "since"
    summarise(
        sessions,
        weekly,
        0,
        "- Reviewed the Q1 roadmap\nDecided: Bob leads the offsite\n\n- Talked about hiring\n- Budget flat",
        actions=[
            summaries.ActionInput("action_1", "Draft the promo doc", BOB, None),
            summaries.ActionInput("action_2", "Ask finance", ALICE, None),
        ],
        covered_topic_ids=[covered],
        note="Bob seems tired",
    )
    summarise(sessions, weekly, 0, "We agreed to meet the vendor", by=AS_ALICE)
    done = next(a.id for a in seen_by(sessions, AS_BOB).actions if a.text == "Draft the promo doc")
    actions.complete_action(sessions, AFTER, AS_BOB, done)

    for actor in (AS_ALICE, AS_BOB):
        view = seen_by(sessions, actor, AFTER + timedelta(minutes=1))
        assert view.starts_at == SECOND
        assert view.last_time == LastTime(
            meeting_id=weekly.meeting_ids[0],
            starts_at=FIRST,
            key_points=["Reviewed the Q1 roadmap", "Talked about hiring"],
            more=True,
            decisions=["Bob leads the offsite", "We agreed to meet the vendor"],
            done_since=["Draft the promo doc"],
            not_covered=["Budget", "Offsite"],
        )
        assert "tired" not in repr(view.last_time)  # a private note never


def test_last_time_is_the_latest_held_one_skipped_and_unsummarised_ones_are_passed_over(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    summarise(sessions, weekly, 0, "First")
    series.skip_next(sessions, AFTER, AS_ALICE, BOB)  # 8 Dec
    with sessions.begin() as session:  # 15 Dec marked held without a summary (nothing to pick up from it)
        session.execute(
            update(Meeting).where(Meeting.id == weekly.meeting_ids[2]).values(status=MeetingStatus.HELD)
        )
    view = seen_by(sessions, AS_BOB, FIRST_END + timedelta(days=15))
    assert view.starts_at == FIRST + timedelta(days=21)
    assert view.last_time is not None and view.last_time.meeting_id == weekly.meeting_ids[0]
    assert view.last_time.key_points == ["First"] and not view.last_time.more

    summarise(sessions, weekly, 3, "Fourth", by=AS_ALICE)
    view = seen_by(sessions, AS_BOB, FIRST_END + timedelta(days=22))
    assert view.last_time is not None and view.last_time.key_points == ["Fourth"]


def test_a_meeting_further_ahead_looks_back_from_itself(sessions: SessionFactory, weekly: Weekly) -> None:
    summarise(sessions, weekly, 0, "First")
    summarise(sessions, weekly, 1, "Second")
    with sessions() as session:
        pair = session.get(Pair, weekly.pair_id)
        bob = session.get(Person, weekly.bob_id)
        meetings = [session.get(Meeting, meeting_id) for meeting_id in weekly.meeting_ids[:3]]
        assert pair and bob and all(meetings)
        before = [last_time_of(session, pair, bob, m, AFTER) for m in meetings]
        latest = last_time_of(session, pair, bob, None, FIRST_END + timedelta(days=8))
    assert before[0] is None
    assert [lt.key_points for lt in before[1:] if lt] == [["First"], ["Second"]]
    assert latest is not None and latest.key_points == ["Second"]  # no meeting ahead: the latest held


def test_topics_not_covered_are_those_the_viewer_may_see(sessions: SessionFactory, weekly: Weekly) -> None:
    topics.add_topic(sessions, NOW, AS_ALICE, None, "Budget")
    with sessions.begin() as session:
        for text, visibility, held_back in (
            ("Bob's own reminder", Visibility.PRIVATE, False),
            ("Alice's concern", Visibility.SHARED, True),
        ):
            author = weekly.bob_id if text.startswith("Bob") else weekly.alice_id
            session.add(
                Topic(
                    pair_id=weekly.pair_id,
                    meeting_id=weekly.meeting_ids[0],
                    author_id=author,
                    text=text,
                    visibility=visibility,
                    held_back=held_back,
                    created_at=NOW,
                )
            )
    summarise(sessions, weekly, 0, "Talked")
    bob, alice = seen_by(sessions, AS_BOB).last_time, seen_by(sessions, AS_ALICE).last_time
    assert bob is not None and alice is not None
    # Bob's private topic is his alone; Alice's concern was before both of them in the held meeting.
    assert bob.not_covered == ["Budget", "Bob's own reminder", "Alice's concern"]
    assert alice.not_covered == ["Budget", "Alice's concern"]


def test_a_summary_of_decisions_alone_or_of_action_items_alone(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    summarise(sessions, weekly, 0, "→ Weekly demos\nAgreed: Bob owns on-call")
    last = seen_by(sessions, AS_ALICE).last_time
    assert last is not None and (last.key_points, last.more) == ([], False)
    assert last.decisions == ["Weekly demos", "Bob owns on-call"]
    summarise(sessions, weekly, 1, "", actions=[summaries.ActionInput("action_1", "Write it", BOB, None)])
    last = seen_by(sessions, AS_ALICE, AFTER + timedelta(days=7)).last_time
    assert last is not None and last.meeting_id == weekly.meeting_ids[1]
    assert (last.key_points, last.decisions, last.done_since) == ([], [], [])


# --- the status-only nudge --------------------------------------------------------------------------------


def add(sessions: SessionFactory, actor: Actor, *texts: str) -> None:
    for text in texts:
        topics.add_topic(sessions, NOW, actor, None, text)


def test_the_reports_status_topics_alone_bring_the_nudge_to_both(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_ALICE, "Update on the API", "Sprint review")
    assert seen_by(sessions, AS_ALICE, NOW).status_nudge is None  # the manager's status topics: no nudge
    assert seen_by(sessions, AS_BOB, NOW).status_nudge is None
    add(sessions, AS_BOB, "Status of PAY-12", "PR #482 review")
    bob, alice = seen_by(sessions, AS_BOB, NOW).status_nudge, seen_by(sessions, AS_ALICE, NOW).status_nudge
    assert bob is not None and bob == alice and bob.report_user_id == BOB
    question = question_by_key(bob.question_key or "")
    assert question is not None and question.theme in NUDGE_THEMES and question.text == bob.question
    add(sessions, AS_BOB, "What I'd like to learn next")
    assert seen_by(sessions, AS_BOB, NOW).status_nudge is None
    assert seen_by(sessions, AS_ALICE, NOW).status_nudge is None


def test_a_templated_topic_of_the_report_lifts_the_nudge_the_managers_does_not(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_BOB, "Status of PAY-12")
    add(sessions, AS_ALICE, "Where you want to be")
    with sessions.begin() as session:
        session.execute(update(Topic).where(Topic.author_id == weekly.alice_id).values(kind=TopicKind.CAREER))
    assert seen_by(sessions, AS_BOB, NOW).status_nudge is not None
    with sessions.begin() as session:
        session.execute(update(Topic).where(Topic.author_id == weekly.bob_id).values(kind=TopicKind.GROW))
    assert seen_by(sessions, AS_BOB, NOW).status_nudge is None


def test_a_reports_growth_topic_carried_over_from_last_time_lifts_the_nudge(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_BOB, "grow: Becoming a tech lead")
    summarise(sessions, weekly, 0, "Talked")  # held; the GROW topic was not ticked: it carries over
    add(sessions, AS_BOB, "Status of PAY-12")
    view = seen_by(sessions, AS_BOB)
    assert [t.text for t in view.carried_over] == ["Becoming a tech lead"]
    assert view.status_nudge is None  # the agenda holds more than status: last time's GROW topic
    with sessions.begin() as session:
        session.execute(update(Topic).where(Topic.kind == TopicKind.GROW).values(kind=TopicKind.PLAIN))
        session.execute(update(Topic).where(Topic.text == "Becoming a tech lead").values(text="Deploy done"))
    assert seen_by(sessions, AS_BOB).status_nudge is not None


def test_the_meetings_own_question_is_suggested_when_it_is_of_those_themes(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_BOB, "Status of PAY-12")
    own = next(q for q in BANK if q.theme is Theme.WELLBEING)
    other = next(q for q in BANK if q.theme is Theme.STRATEGY)
    for key in (own.key, other.key):
        with sessions.begin() as session:
            session.execute(
                update(Meeting).where(Meeting.id == weekly.meeting_ids[0]).values(question_key=key)
            )
        nudge = seen_by(sessions, AS_BOB, NOW).status_nudge
        assert nudge is not None and nudge.question_key is not None
        if key == own.key:  # already of those themes: the agenda's own question is the one to try
            assert nudge.question_key == own.key
        else:
            assert theme_of(nudge.question_key) in NUDGE_THEMES


def test_questions_seen_this_round_or_retired_are_not_suggested(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_BOB, "Status of PAY-12")
    left = THEMED[-1]
    with sessions.begin() as session:
        session.add_all(
            QuestionShown(pair_id=weekly.pair_id, question_key=key, shown_at=NOW) for key in THEMED[:-3]
        )
        session.add_all(
            QuestionRetired(
                pair_id=weekly.pair_id, question_key=key, retired_by_id=weekly.bob_id, retired_at=NOW
            )
            for key in THEMED[-3:-1]
        )
    for actor in (AS_ALICE, AS_BOB):
        nudge = seen_by(sessions, actor, NOW).status_nudge
        assert nudge is not None and nudge.question_key == left
    with sessions.begin() as session:
        session.add(
            QuestionRetired(
                pair_id=weekly.pair_id, question_key=left, retired_by_id=weekly.alice_id, retired_at=NOW
            )
        )
    nudge = seen_by(sessions, AS_BOB, NOW).status_nudge
    # Every unseen one retired: the round of these themes starts again, among those not retired.
    assert nudge is not None and nudge.question_key in THEMED[:-3]


def test_someone_who_turned_questions_off_gets_the_kind_word_without_one(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add(sessions, AS_BOB, "Status of PAY-12")
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.id == weekly.bob_id).values(question_suggestions=False))
    bob, alice = seen_by(sessions, AS_BOB, NOW).status_nudge, seen_by(sessions, AS_ALICE, NOW).status_nudge
    assert bob is not None and (bob.question, bob.question_key) == (None, None)
    assert alice is not None and alice.question is not None


def test_a_private_topic_changes_only_its_authors_view(sessions: SessionFactory, weekly: Weekly) -> None:
    add(sessions, AS_BOB, "Status of PAY-12")
    with sessions.begin() as session:
        session.add(
            Topic(
                pair_id=weekly.pair_id,
                meeting_id=weekly.meeting_ids[0],
                author_id=weekly.bob_id,
                text="How I feel about the reorg",
                visibility=Visibility.PRIVATE,
                created_at=NOW,
            )
        )
    assert seen_by(sessions, AS_BOB, NOW).status_nudge is None
    assert seen_by(sessions, AS_ALICE, NOW).status_nudge is not None  # as if it were not there


def test_last_time_reads_the_pairs_own_meetings_from_their_index(
    sessions: SessionFactory, weekly: Weekly, engine: Engine
) -> None:
    """Not every pair's held meetings (ix_meeting_status_starts_at): see tests/store/test_query_plans.py."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans depend on table statistics (tests/store/test_query_plans.py)")
    with sessions() as session:
        next_one = session.get(Meeting, weekly.meeting_ids[1])
        assert next_one is not None
        for before in (next_one, None):
            plan = plan_of(session, lambda s, b=before: previous_held(s, weekly.pair_id, b, AFTER))
            assert "ix_meeting_pair_id_status_ends_at" in plan, plan
