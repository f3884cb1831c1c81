"""What each person sees of the next 1:1: topics, carry-over, open actions, their own notes only."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.meetings import GRACE, MAX_NUDGES
from bot.services import actions, agenda, series, summaries, topics
from bot.services.followups import chase_unrecorded, queue_followups
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, CAROL, TEAM

NOW = SET_UP + timedelta(hours=1)


def _texts(lines: list[agenda.TopicLine] | list[agenda.ActionLine]) -> list[str]:
    return [line.text for line in lines]


def test_the_reports_topics_come_first_in_both_views(sessions: SessionFactory, weekly: Weekly) -> None:
    for actor, text in ((AS_ALICE, "A1"), (AS_BOB, "B1"), (AS_ALICE, "A2"), (AS_BOB, "B2")):
        topics.add_topic(sessions, NOW, actor, None, text)
    for actor in (AS_ALICE, AS_BOB):
        view = agenda.show_agenda(sessions, NOW, actor, None, BERLIN)
        assert (view.report_user_id, view.starts_at) == (BOB, FIRST)
        assert _texts(view.topics) == ["B1", "B2", "A1", "A2"]


def test_open_topics_and_actions_carry_over_and_covered_or_done_ones_do_not(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    covered = topics.add_topic(sessions, NOW, AS_ALICE, None, "Covered").topic_id
    topics.add_topic(sessions, NOW, AS_BOB, None, "Still open")
    done = actions.add_action(sessions, NOW, AS_ALICE, None, "Book a room", None, None).action_id
    actions.add_action(sessions, NOW, AS_BOB, None, "Read the RFC", ALICE, None)
    summary = summaries.SummaryInput(
        first,
        source="view:S1",
        key_points="Talked",
        actions=[summaries.ActionInput("action_1", "Write the plan", BOB, None)],
        covered_topic_ids=[covered],
    )
    summaries.submit_summary(sessions, FIRST_END, AS_ALICE, summary)
    actions.complete_action(sessions, FIRST_END, AS_BOB, done)
    later = FIRST_END + timedelta(hours=1)
    for actor in (AS_ALICE, AS_BOB):
        view = agenda.show_agenda(sessions, later, actor, None, BERLIN)
        assert view.starts_at == SECOND and view.topics == []
        assert _texts(view.carried_over) == ["Still open"]
        assert sorted(_texts(view.actions)) == ["Read the RFC", "Write the plan"]


def test_topics_of_a_skipped_meeting_carry_over_to_the_next(sessions: SessionFactory, weekly: Weekly) -> None:
    topics.add_topic(sessions, NOW, AS_BOB, None, "Raise")
    series.skip_next(sessions, NOW, AS_ALICE, BOB)
    view = agenda.show_agenda(sessions, NOW, AS_BOB, None, BERLIN)
    assert view.starts_at == SECOND and _texts(view.carried_over) == ["Raise"]


def test_a_private_note_is_in_its_authors_agenda_only(sessions: SessionFactory, weekly: Weekly) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)
    agenda.add_note(sessions, NOW, AS_ALICE, BOB, "Bob seems tired")
    summaries.submit_summary(
        sessions,
        FIRST_END,
        AS_ALICE,
        summaries.SummaryInput(weekly.meeting_ids[0], source="view:S1", key_points="Ok", note="Follow up"),
    )
    mine = agenda.show_agenda(sessions, FIRST_END, AS_ALICE, BOB, BERLIN)
    assert mine.my_notes == ["Follow up", "Bob seems tired"]  # newest first
    for view in (
        agenda.show_agenda(sessions, FIRST_END, AS_BOB, None, BERLIN),
        agenda.show_agenda(sessions, FIRST_END, AS_ALICE, CAROL, BERLIN),  # her other 1:1
    ):
        assert view.my_notes == []
    for view in (mine, agenda.show_agenda(sessions, FIRST_END, AS_BOB, None, BERLIN)):
        shown = _texts(view.topics) + _texts(view.carried_over) + _texts(view.actions)
        assert not any("tired" in text or "Follow up" in text for text in shown)


def test_an_agenda_or_note_without_a_1on1_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "You don't have a 1:1 with {}.", people=(BOB,)):
        agenda.show_agenda(sessions, NOW, AS_CAROL, BOB, BERLIN)
    with refused(sessions, "You don't have a 1:1 with {}."):
        agenda.add_note(sessions, NOW, AS_ALICE, CAROL, "About Carol")


def test_list_shows_each_1on1_soonest_first_with_how_the_last_ones_went(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, ALICE, weekday=0)  # Carol leads; Mondays
    summaries.submit_summary(
        sessions, FIRST_END, AS_BOB, summaries.SummaryInput(weekly.meeting_ids[0], "view:S1", "Held")
    )
    series.skip_next(sessions, FIRST_END, AS_BOB, None)  # 8 Dec
    third_end = FIRST_END + timedelta(days=14)  # 15 Dec: nobody records it
    queue_followups(sessions, third_end)  # "How did it go?" first: the chase counts from it
    for nudge in range(MAX_NUDGES + 1):
        chase_unrecorded(sessions, third_end + GRACE * (nudge + 1))
    now = third_end + GRACE * (MAX_NUDGES + 1)
    lines = agenda.list_pairs(sessions, now, AS_ALICE)
    assert [line.other_user_id for line in lines] == [CAROL, BOB]  # Monday 21 Dec, then Tuesday 22 Dec
    carol, bob = lines
    assert (carol.i_am_manager, bob.i_am_manager) == (False, True)
    assert (bob.held, bob.skipped, bob.missed) == (1, 1, 1)
    assert agenda.list_pairs(sessions, now, AS_CAROL)[0].other_user_id == ALICE
    assert agenda.list_pairs(sessions, now, Actor(TEAM, "UNOBODY1")) == []  # a stranger has none
