"""What each person sees of the next 1:1: topics, carry-over, open actions, their own notes only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update

from bot.domain.agenda import Visibility
from bot.domain.cadence import Cadence
from bot.domain.meetings import GRACE, MAX_NUDGES, MeetingStatus
from bot.services import actions, agenda, series, summaries, topics
from bot.services.followups import chase_unrecorded, queue_followups
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Note, Topic
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
    lines, zone = agenda.your_pairs(sessions, now, AS_ALICE, BERLIN)
    assert [line.other_user_id for line in lines] == [CAROL, BOB]  # Monday 21 Dec, then Tuesday 22 Dec
    carol, bob = lines
    assert (carol.i_am_manager, bob.i_am_manager) == (False, True)
    assert (bob.held, bob.skipped, bob.missed) == (1, 1, 1)
    assert zone == BERLIN
    assert agenda.your_pairs(sessions, now, AS_CAROL, BERLIN)[0][0].other_user_id == ALICE
    assert agenda.your_pairs(sessions, now, Actor(TEAM, "UNOBODY1"), BERLIN)[0] == []  # a stranger has none


def _private_topic(sessions: SessionFactory, weekly: Weekly, meeting_index: int, text: str) -> int:
    """A topic only Bob, its author, may see (no command makes one yet; the schema and queries allow it)."""
    with sessions.begin() as session:
        topic = Topic(
            pair_id=weekly.pair_id,
            meeting_id=weekly.meeting_ids[meeting_index],
            author_id=weekly.bob_id,
            text=text,
            visibility=Visibility.PRIVATE,
            created_at=NOW,
        )
        session.add(topic)
        session.flush()
        return topic.id


def test_the_agenda_shows_each_line_with_its_author_owner_and_due_date(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    offsite = topics.add_topic(sessions, NOW, AS_ALICE, None, "Offsite").topic_id
    raise_ = topics.add_topic(sessions, NOW, AS_BOB, None, "Raise").topic_id
    series.skip_next(sessions, NOW, AS_ALICE, BOB)  # 1 Dec: its topics carry over to 8 Dec
    budget = topics.add_topic(sessions, NOW, AS_ALICE, None, "Budget").topic_id
    topics.add_topic_to_meeting(sessions, NOW, AS_BOB, weekly.meeting_ids[2], "Not yet", "view:V1")  # 15 Dec
    item = actions.add_action(sessions, NOW, AS_BOB, None, "Book a room", ALICE, date(2026, 12, 7)).action_id
    view = agenda.show_agenda(sessions, NOW, AS_ALICE, None, "Asia/Tokyo")
    assert view == agenda.AgendaView(
        viewer_user_id=ALICE,
        other_user_id=BOB,
        report_user_id=BOB,
        meeting_id=weekly.meeting_ids[1],
        starts_at=SECOND,
        timezone="Asia/Tokyo",
        topics=[agenda.TopicLine(budget, "Budget", ALICE)],
        carried_over=[agenda.TopicLine(offsite, "Offsite", ALICE), agenda.TopicLine(raise_, "Raise", BOB)],
        actions=[agenda.ActionLine(item, "Book a room", ALICE, date(2026, 12, 7), False)],
    )


def test_a_private_topic_is_in_its_authors_agenda_only(sessions: SessionFactory, weekly: Weekly) -> None:
    series.skip_next(sessions, NOW, AS_ALICE, BOB)  # 1 Dec: its topics carry over to 8 Dec
    carried = _private_topic(sessions, weekly, 0, "Thinking of leaving")
    current = _private_topic(sessions, weekly, 1, "Ask about the offer")
    bobs = agenda.show_agenda(sessions, NOW, AS_BOB, None, BERLIN)
    assert (bobs.topics, bobs.carried_over) == (
        [agenda.TopicLine(current, "Ask about the offer", BOB)],
        [agenda.TopicLine(carried, "Thinking of leaving", BOB)],
    )
    alices = agenda.show_agenda(sessions, NOW, AS_ALICE, None, BERLIN)
    assert (alices.topics, alices.carried_over) == ([], [])


def test_the_reports_topics_lead_whichever_of_the_two_is_the_manager(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "weekly", 1, time(10), caller_is_manager=False)
    series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)  # Bob leads; Alice is the report
    for actor, text in ((AS_BOB, "B1"), (AS_ALICE, "A1")):
        topics.add_topic(sessions, NOW, actor, None, text)
    view = agenda.show_agenda(sessions, NOW, AS_BOB, None, BERLIN)
    assert (view.report_user_id, _texts(view.topics)) == (ALICE, ["A1", "B1"])


def test_with_no_meeting_ahead_the_agenda_still_shows_what_is_open(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topic = topics.add_topic(sessions, NOW, AS_BOB, None, "Raise").topic_id
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    view = agenda.show_agenda(sessions, NOW, AS_BOB, None, BERLIN)
    assert (view.meeting_id, view.starts_at, view.question, view.topics) == (None, None, None, [])
    assert view.carried_over == [agenda.TopicLine(topic, "Raise", BOB)]


def test_a_note_is_kept_with_the_next_meeting_or_with_none(sessions: SessionFactory, weekly: Weekly) -> None:
    assert agenda.add_note(sessions, NOW, AS_ALICE, BOB, "Tired") == agenda.NoteAdded(BOB, FIRST)
    assert agenda.add_note(sessions, NOW, AS_BOB, None, "Ask") == agenda.NoteAdded(ALICE, FIRST)
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    assert agenda.add_note(sessions, NOW, AS_ALICE, BOB, "Later") == agenda.NoteAdded(BOB, None)
    with sessions() as session:
        notes = [(n.text, n.meeting_id, n.author_id) for n in session.scalars(select(Note).order_by(Note.id))]
    first = weekly.meeting_ids[0]
    assert notes == [
        ("Tired", first, weekly.alice_id),
        ("Ask", first, weekly.bob_id),
        ("Later", None, weekly.alice_id),
    ]


def test_a_note_over_its_limit_is_refused_as_a_note(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "That note is 3,001 characters long; the limit is 3,000."):
        agenda.add_note(sessions, NOW, AS_ALICE, BOB, "x" * 3001)


def test_list_says_the_cadence_and_next_date_of_each_and_puts_ended_ones_last(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3, at=time(15))
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    lines = agenda.your_pairs(sessions, NOW, AS_ALICE, BERLIN)[0]
    assert lines == [
        agenda.PairLine(
            CAROL, True, Cadence.WEEKLY, 3, time(15), BERLIN, datetime(2026, 12, 3, 14, tzinfo=UTC)
        ),
        agenda.PairLine(BOB, True, None, None, None, None, None),
    ]


def test_list_puts_the_soonest_first_and_counts_how_the_last_meetings_went(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=0)  # set up later, but meets sooner: Mondays
    first, _, third = weekly.meeting_ids[:3]
    summaries.submit_summary(sessions, FIRST_END, AS_BOB, summaries.SummaryInput(first, "view:S1", "Held"))
    series.skip_next(sessions, FIRST_END, AS_BOB, None)  # 8 Dec
    with sessions.begin() as session:  # 15 Dec: as the chase records one nobody recorded
        session.execute(update(Meeting).where(Meeting.id == third).values(status=MeetingStatus.MISSED))
    now = FIRST_END + timedelta(days=15)  # Wednesday 16 Dec
    assert [
        (line.other_user_id, line.held, line.skipped, line.missed)
        for line in agenda.your_pairs(sessions, now, AS_ALICE, BERLIN)[0]
    ] == [
        (CAROL, 0, 0, 0),  # Monday 21 Dec
        (BOB, 1, 1, 1),  # Tuesday 22 Dec
    ]
