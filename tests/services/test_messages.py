"""What each outgoing message says, read at delivery time from the ids its outbox row holds: the current
state of things, the recipient's own time zone, and None (dropped unsent) once the message is obsolete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete, select, update

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.pulse import Feeling
from bot.domain.questions import question_by_key
from bot.domain.slots import Attendee, describe
from bot.services import actions, series, summaries, topics
from bot.services.agenda import ActionLine, AgendaView, TopicLine
from bot.services.followups import queue_followups, report_not_held
from bot.services.messages import after_meeting, notices
from bot.services.messages.prompt import load_prompt
from bot.services.messages.summary import SummaryAction, SummaryPart, SummaryView, load_summary
from bot.services.prompts import queue_due_prompts
from bot.services.pulse import CheckIn, PulseView
from bot.services.rebooking import book_slot
from bot.services.topics import DirectMessage
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import meeting
from tests.services.people import ALICE, AS_ALICE, AS_BOB, BERLIN, BOB, CAROL

T = TypeVar("T")
Loader = Callable[[Any, OutboxMessage, datetime], T | None]

TOKYO = "Asia/Tokyo"
NOW = SET_UP + timedelta(hours=1)
AFTER = FIRST_END + timedelta(minutes=5)
GONE = 999_999  # an id nothing has


def load(
    sessions: SessionFactory, loader: Loader[T], kind: MessageKind, now: datetime, to: int | None = None
) -> T | None:
    """`loader` on the one queued message of `kind` (to person `to`, when given)."""
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        if to is not None:
            query = query.where(OutboxMessage.recipient_id == to)
        [row] = session.scalars(query).all()
        return loader(session, row, now)


def load_row(sessions: SessionFactory, loader: Loader[T], now: datetime, **row: Any) -> T | None:
    """`loader` on a row as the outbox would hold it (not stored)."""
    with sessions() as session:
        return loader(session, OutboxMessage(**row), now)


def set_zone(sessions: SessionFactory, person_id: int, zone: str | None) -> None:
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.id == person_id).values(timezone=zone))


def remove_person(sessions: SessionFactory, person_id: int) -> None:
    with sessions.begin() as session:
        person = session.get(Person, person_id)
        assert person is not None
        session.delete(person)


@pytest.fixture
def bob_in_tokyo(sessions: SessionFactory, weekly: Weekly) -> Weekly:
    """Bob's own zone is Tokyo's (the series stays at 10:00 Berlin time)."""
    set_zone(sessions, weekly.bob_id, TOKYO)
    return weekly


# --- a series set up or ended -----------------------------------------------------------------------


def test_the_announcement_says_who_set_up_what_and_the_next_meeting_in_the_recipients_zone(
    sessions: SessionFactory, bob_in_tokyo: Weekly
) -> None:
    announced = notices.SeriesAnnounced(TOKYO, ALICE, Cadence.WEEKLY, 1, time(10), BERLIN, FIRST)
    assert load(sessions, notices.load_series_announced, MessageKind.SERIES_ANNOUNCED, NOW) == announced
    # Sent late, it names the meeting still ahead.
    later = load(sessions, notices.load_series_announced, MessageKind.SERIES_ANNOUNCED, FIRST_END)
    assert later is not None and later.first_starts_at == SECOND


def test_an_announcement_of_a_series_ended_meanwhile_names_no_next_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    under_way = FIRST + timedelta(minutes=10)
    series.cancel(sessions, under_way, AS_ALICE, weekly.series_id)  # the meeting under way stays scheduled
    announced = load(sessions, notices.load_series_announced, MessageKind.SERIES_ANNOUNCED, under_way)
    assert announced is not None and announced.first_starts_at is None


def test_without_its_series_an_announcement_or_cancellation_is_dropped(sessions: SessionFactory) -> None:
    for loader in (notices.load_series_announced, notices.load_series_cancelled):
        assert load_row(sessions, loader, NOW, params={"series_id": GONE, "by": GONE}) is None


def test_the_cancellation_says_who_ended_which_series(sessions: SessionFactory, weekly: Weekly) -> None:
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    cancelled = load(sessions, notices.load_series_cancelled, MessageKind.SERIES_CANCELLED, NOW)
    assert cancelled == notices.SeriesCancelled(ALICE, Cadence.WEEKLY)


def test_someone_gone_is_named_by_nobody_and_a_zone_unknown_is_utc(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    set_zone(sessions, weekly.bob_id, None)
    announced = load(sessions, notices.load_series_announced, MessageKind.SERIES_ANNOUNCED, NOW)
    assert announced is not None and (announced.timezone, announced.by_user_id) == ("UTC", ALICE)
    for params in ({"series_id": weekly.series_id, "by": GONE}, {"series_id": weekly.series_id}):
        anonymous = load_row(sessions, notices.load_series_announced, NOW, params=params, recipient_id=GONE)
        assert anonymous is not None and (anonymous.timezone, anonymous.by_user_id) == ("UTC", "")


# --- a meeting skipped or moved ---------------------------------------------------------------------


def test_a_skip_notice_says_who_skipped_which_meeting_and_the_next_one(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    set_zone(sessions, weekly.alice_id, TOKYO)
    series.skip_next(sessions, NOW, AS_BOB, None)
    skipped = load(sessions, notices.load_meeting_skipped, MessageKind.MEETING_SKIPPED, NOW)
    assert skipped == notices.MeetingSkipped(TOKYO, BOB, FIRST, SECOND)
    assert load_row(sessions, notices.load_meeting_skipped, NOW, params={"meeting_id": GONE}) is None


def test_a_skip_notice_of_the_last_meeting_names_none_after_it(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    under_way = FIRST + timedelta(minutes=10)
    series.cancel(sessions, under_way, AS_ALICE, weekly.series_id)
    series.skip_next(sessions, under_way, AS_BOB, None)  # the one under way, the series' last
    skipped = load(sessions, notices.load_meeting_skipped, MessageKind.MEETING_SKIPPED, under_way)
    assert skipped is not None and (skipped.starts_at, skipped.next_starts_at) == (FIRST, None)


def test_a_move_notice_says_who_moved_the_meeting_where_unless_it_was_then_skipped(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    set_zone(sessions, weekly.alice_id, TOKYO)
    moved = series.reschedule_next(sessions, NOW, AS_BOB, None, date(2026, 12, 3), time(15), BERLIN)
    notice = load(sessions, notices.load_meeting_moved, MessageKind.MEETING_MOVED, NOW)
    assert notice == notices.MeetingMoved(TOKYO, BOB, moved.starts_at)
    assert moved.starts_at == datetime(2026, 12, 3, 14, tzinfo=UTC)
    series.skip_next(sessions, NOW, AS_ALICE, None)
    assert load(sessions, notices.load_meeting_moved, MessageKind.MEETING_MOVED, NOW) is None
    assert load_row(sessions, notices.load_meeting_moved, NOW, params={"meeting_id": GONE}) is None


# --- answers to a topic sent by DM ------------------------------------------------------------------


def test_a_dmd_topic_is_confirmed_with_the_meeting_it_went_to(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "Offsite", channel_id="D0ALICE", ts="1.0"))
    assert load(sessions, notices.load_topic_confirmed, MessageKind.TOPIC_CONFIRMED, NOW) == (
        notices.TopicConfirmed("UTC", BOB, FIRST)
    )
    with sessions.begin() as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind == MessageKind.TOPIC_CONFIRMED))
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "Career", channel_id="D0BOB", ts="1.0"))
    confirmed = load(sessions, notices.load_topic_confirmed, MessageKind.TOPIC_CONFIRMED, NOW)
    # The reply goes to a channel, not a person: its fallback text is in UTC (Slack shows each reader the
    # time in their own zone).
    assert confirmed == notices.TopicConfirmed("UTC", ALICE, FIRST)


def test_a_topic_with_no_meeting_yet_is_confirmed_for_the_agenda(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "Career", channel_id="D0BOB", ts="1.0"))
    confirmed = load(sessions, notices.load_topic_confirmed, MessageKind.TOPIC_CONFIRMED, NOW)
    assert confirmed == notices.TopicConfirmed("UTC", ALICE, None)
    assert load_row(sessions, notices.load_topic_confirmed, NOW, params={"topic_id": GONE}) is None


def test_which_meeting_offers_each_of_the_authors_1on1s_with_its_next_date(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)  # Thursdays
    set_zone(sessions, weekly.alice_id, TOKYO)
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "Budget", channel_id="D0ALICE", ts="1.0"))
    which = load(sessions, notices.load_which_meeting, MessageKind.WHICH_MEETING, NOW)
    assert which is not None
    with sessions() as session:
        [pending] = session.scalars(
            select(OutboxMessage.params).where(OutboxMessage.kind == MessageKind.WHICH_MEETING)
        )
    carol_first = datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert (which.timezone, which.pending_id) == (TOKYO, pending["pending_id"])
    assert sorted((c.other_user_id, c.next_starts_at) for c in which.choices) == [
        (BOB, FIRST),
        (CAROL, carol_first),
    ]
    assert {c.pair_id for c in which.choices if c.other_user_id == BOB} == {weekly.pair_id}
    set_zone(sessions, weekly.alice_id, None)
    assert load(sessions, notices.load_which_meeting, MessageKind.WHICH_MEETING, NOW).timezone == "UTC"  # type: ignore[union-attr]
    topics.choose_meeting_for_pending(sessions, NOW, AS_ALICE, pending["pending_id"], weekly.pair_id)
    assert load(sessions, notices.load_which_meeting, MessageKind.WHICH_MEETING, NOW) is None  # placed


def test_a_pair_without_a_next_meeting_is_offered_without_a_date(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_ALICE, CAROL, weekday=3)
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_ALICE, "Budget", channel_id="D0ALICE", ts="1.0"))
    series.cancel(sessions, NOW, AS_ALICE, weekly.series_id)
    which = load(sessions, notices.load_which_meeting, MessageKind.WHICH_MEETING, NOW)
    assert which is not None
    assert [c.next_starts_at for c in which.choices if c.other_user_id == BOB] == [None]


def test_a_dmd_topic_with_nowhere_to_go_is_answered_with_the_refusal(sessions: SessionFactory) -> None:
    topics.topic_from_dm(sessions, NOW, DirectMessage(AS_BOB, "Hello?", channel_id="D0BOB", ts="1.0"))
    answer = load(sessions, notices.load_no_meeting, MessageKind.NO_MEETING, NOW)
    assert answer == notices.NoMeeting(topics._NO_1ON1S, ())
    named = load_row(
        sessions, notices.load_no_meeting, NOW, params={"problem": "Not with {}.", "people": [BOB]}
    )
    assert named == notices.NoMeeting("Not with {}.", (BOB,))
    assert load_row(sessions, notices.load_no_meeting, NOW, params={}) == notices.NoMeeting("", ())


# --- before the meeting -----------------------------------------------------------------------------


def test_a_prompt_shows_the_agenda_as_its_recipient_sees_it_with_the_meetings_question(
    sessions: SessionFactory, bob_in_tokyo: Weekly
) -> None:
    weekly = bob_in_tokyo
    mine = topics.add_topic(sessions, NOW, AS_BOB, None, "Promotion").topic_id
    hers = topics.add_topic(sessions, NOW, AS_ALICE, None, "Offsite").topic_id
    # Bob's today is 30 November in Tokyo: an item due the day before is overdue, one due today is not.
    late = actions.add_action(sessions, NOW, AS_ALICE, None, "Book a room", BOB, date(2026, 11, 29)).action_id
    today = actions.add_action(sessions, NOW, AS_BOB, None, "Send notes", None, date(2026, 11, 30)).action_id
    queue_due_prompts(sessions, NOW)
    key = meeting(sessions, weekly.meeting_ids[0]).question_key
    question = question_by_key(key or "")
    assert question is not None
    prompt = load(sessions, load_prompt, MessageKind.PROMPT, NOW, to=weekly.bob_id)
    assert prompt == AgendaView(
        viewer_user_id=BOB,
        other_user_id=ALICE,
        report_user_id=BOB,
        meeting_id=weekly.meeting_ids[0],
        starts_at=FIRST,
        timezone=TOKYO,
        topics=[TopicLine(mine, "Promotion", BOB), TopicLine(hers, "Offsite", ALICE)],
        carried_over=[],
        actions=[
            ActionLine(late, "Book a room", BOB, date(2026, 11, 29), True),
            ActionLine(today, "Send notes", BOB, date(2026, 11, 30), False),
        ],
        question=question.text,
        question_key=question.key,
        # Bob is the report: his check-in is offered, untapped, and there is no trend yet.
        pulse=PulseView(CheckIn(weekly.meeting_ids[0], dict.fromkeys(Feeling)), 0, ()),
    )
    set_zone(sessions, weekly.alice_id, None)
    to_alice = load(sessions, load_prompt, MessageKind.PROMPT, NOW, to=weekly.alice_id)
    assert to_alice is not None and (to_alice.viewer_user_id, to_alice.timezone) == (ALICE, "UTC")


def test_a_prompt_for_a_meeting_skipped_over_or_gone_is_dropped(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_due_prompts(sessions, NOW)
    assert load(sessions, load_prompt, MessageKind.PROMPT, FIRST_END - timedelta(seconds=1), to=weekly.bob_id)
    assert load(sessions, load_prompt, MessageKind.PROMPT, FIRST_END, to=weekly.bob_id) is None  # over
    series.skip_next(sessions, NOW, AS_ALICE, None)
    assert load(sessions, load_prompt, MessageKind.PROMPT, NOW, to=weekly.bob_id) is None
    first = weekly.meeting_ids[0]
    assert load_row(sessions, load_prompt, NOW, params={"meeting_id": first}) is None  # to nobody
    assert (
        load_row(sessions, load_prompt, NOW, params={"meeting_id": GONE}, recipient_id=weekly.bob_id) is None
    )


# --- after the meeting ------------------------------------------------------------------------------


def test_how_did_it_go_names_the_other_person_until_the_meeting_is_skipped(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    queue_followups(sessions, FIRST_END)
    for person, other in ((weekly.alice_id, BOB), (weekly.bob_id, ALICE)):
        asked = load(sessions, after_meeting.load_follow_up, MessageKind.FOLLOW_UP, AFTER, to=person)
        assert asked == after_meeting.FollowUp(first, other)
    summaries.submit_summary(sessions, AFTER, AS_ALICE, summaries.SummaryInput(first, "view:S1", "Held"))
    assert load(sessions, after_meeting.load_follow_up, MessageKind.FOLLOW_UP, AFTER, to=weekly.bob_id)
    with sessions.begin() as session:
        session.execute(update(Meeting).where(Meeting.id == first).values(status=MeetingStatus.SKIPPED))
    assert (
        load(sessions, after_meeting.load_follow_up, MessageKind.FOLLOW_UP, AFTER, to=weekly.bob_id) is None
    )


def test_a_message_about_a_meeting_gone_or_to_nobody_is_dropped(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    for loader in (after_meeting.load_follow_up, after_meeting.load_nudge, after_meeting.load_rebooked):
        assert (
            load_row(sessions, loader, AFTER, params={"meeting_id": GONE}, recipient_id=weekly.bob_id) is None
        )
        assert load_row(sessions, loader, AFTER, params={"meeting_id": first}) is None


def test_a_nudge_offers_the_slots_in_both_zones_and_counts_itself(
    sessions: SessionFactory, bob_in_tokyo: Weekly
) -> None:
    weekly = bob_in_tokyo
    first = weekly.meeting_ids[0]
    set_zone(sessions, weekly.alice_id, None)  # unknown: UTC
    report_not_held(sessions, AFTER, AS_BOB, first)
    offered = meeting(sessions, first).offered_slots or []
    assert offered
    nudge = load(sessions, after_meeting.load_nudge, MessageKind.NUDGE, AFTER, to=weekly.bob_id)
    attendees = [Attendee(ALICE, "UTC"), Attendee(BOB, TOKYO)]
    slots = tuple(describe(datetime.fromtimestamp(epoch, UTC), attendees) for epoch in offered)
    assert nudge == after_meeting.Nudge(TOKYO, first, ALICE, FIRST, slots, 1)
    book_slot(sessions, AFTER, AS_ALICE, first, offered[0])
    assert load(sessions, after_meeting.load_nudge, MessageKind.NUDGE, AFTER, to=weekly.bob_id) is None


def test_a_rebooking_tells_each_of_them_who_chose_which_time(
    sessions: SessionFactory, bob_in_tokyo: Weekly
) -> None:
    weekly = bob_in_tokyo
    first = weekly.meeting_ids[0]
    report_not_held(sessions, AFTER, AS_BOB, first)
    chosen = (meeting(sessions, first).offered_slots or [])[0]
    book_slot(sessions, AFTER, AS_ALICE, first, chosen)
    new_start = datetime.fromtimestamp(chosen, UTC)
    to_bob = load(
        sessions, after_meeting.load_rebooked, MessageKind.MEETING_REBOOKED, AFTER, to=weekly.bob_id
    )
    assert to_bob == after_meeting.Rebooked(TOKYO, ALICE, ALICE, new_start)
    to_alice = load(
        sessions, after_meeting.load_rebooked, MessageKind.MEETING_REBOOKED, AFTER, to=weekly.alice_id
    )
    assert to_alice == after_meeting.Rebooked(BERLIN, ALICE, BOB, new_start)


def test_the_summary_holds_every_part_the_actions_and_what_was_covered(
    sessions: SessionFactory, bob_in_tokyo: Weekly
) -> None:
    weekly = bob_in_tokyo
    first = weekly.meeting_ids[0]
    covered = topics.add_topic(sessions, NOW, AS_BOB, None, "Promotion").topic_id
    topics.add_topic(sessions, NOW, AS_BOB, None, "Not reached")
    form = summaries.SummaryInput(
        first,
        "view:S1",
        "Agreed a plan",
        actions=[summaries.ActionInput("a1", "Write it down", BOB, date(2026, 12, 8))],
        covered_topic_ids=[covered],
    )
    summaries.submit_summary(sessions, AFTER, AS_ALICE, form)
    only_actions = summaries.SummaryInput(
        first, "view:S2", "", [summaries.ActionInput("a1", "Call HR", ALICE, None)]
    )
    summaries.submit_summary(sessions, AFTER, AS_BOB, only_actions)
    with sessions() as session:
        items = {a.text: a.id for a in session.scalars(select(actions.ActionItem))}
    actions.complete_action(sessions, AFTER, AS_ALICE, items["Call HR"])
    view = load(sessions, load_summary, MessageKind.SUMMARY, AFTER)
    assert view == SummaryView(
        meeting_id=first,
        starts_at=FIRST,
        timezone=BERLIN,  # to the group: the first member's zone, for the fallback text
        member_user_ids=(ALICE, BOB),
        parts=(SummaryPart(ALICE, "Agreed a plan"),),  # Bob wrote no key points
        actions=(
            SummaryAction(items["Write it down"], "Write it down", BOB, date(2026, 12, 8), False),
            SummaryAction(items["Call HR"], "Call HR", ALICE, None, True),
        ),
        covered=("Promotion",),
    )
    to_bob = load_row(sessions, load_summary, AFTER, params={"meeting_id": first}, recipient_id=weekly.bob_id)
    assert to_bob is not None and to_bob.timezone == TOKYO  # the copy in his own DM
    set_zone(sessions, weekly.bob_id, None)
    to_bob = load_row(sessions, load_summary, AFTER, params={"meeting_id": first}, recipient_id=weekly.bob_id)
    assert to_bob is not None and to_bob.timezone == "UTC"
    assert load_row(sessions, load_summary, AFTER, params={"meeting_id": GONE}) is None
    gone = load_row(sessions, load_summary, AFTER, params={"meeting_id": first}, recipient_id=GONE)
    assert gone is not None and gone.timezone == "UTC"


def test_a_second_summary_is_announced_with_its_author(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    summaries.submit_summary(sessions, AFTER, AS_ALICE, summaries.SummaryInput(first, "view:S1", "One"))
    summaries.submit_summary(sessions, AFTER, AS_BOB, summaries.SummaryInput(first, "view:S2", "Two"))
    added = load(sessions, after_meeting.load_summary_added, MessageKind.SUMMARY_ADDED, AFTER)
    assert added == after_meeting.SummaryAdded(BOB)
    assert load_row(sessions, after_meeting.load_summary_added, AFTER, params={"summary_id": GONE}) is None
