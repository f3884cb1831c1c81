"""After the clock was down: each meeting that ended meanwhile goes through its life in order ("How did it
go?" first, a nudge GRACE after it, the last call, then missed), one message per person and meeting a tick."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.meetings import GRACE, TOO_LATE_TO_CHASE, MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import summaries
from bot.services.messages.after_meeting import FollowUp, load_follow_up
from bot.services.rebooking import book_slot
from bot.services.tick import run_tick
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage
from tests.services.conftest import FIRST, FIRST_END, SET_UP, Weekly
from tests.services.helpers import meeting, queued, refused
from tests.services.people import AS_BOB, AS_CAROL, BERLIN, BOB

STOPPED = SET_UP  # the clock's last tick before it went down: both asked for topics for 1 Dec
BACK = STOPPED + timedelta(days=7, hours=1)  # Mon 7 Dec 10:00 UTC: the 1 Dec meeting ended six days ago


def _sent_at(sessions: SessionFactory, at: datetime) -> Counter[tuple[int | None, int | None]]:
    """How many messages the tick at `at` queued, per (person, meeting)."""
    return Counter((m.recipient_id, m.meeting_id) for m in queued(sessions) if m.created_at == at)


def _life(sessions: SessionFactory, meeting_id: int, person_id: int) -> list[tuple[str, datetime]]:
    """What `person_id` was sent about the meeting, oldest first: (the message's key, when)."""
    return [
        (m.key, m.created_at)
        for m in queued(sessions)
        if (m.meeting_id, m.recipient_id) == (meeting_id, person_id)
    ]


def test_a_week_down_sends_one_message_per_person_per_meeting_then_the_life_in_order(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    run_tick(sessions, STOPPED)
    run_tick(sessions, BACK)  # seven days without a tick
    assert _sent_at(sessions, BACK) == {
        (weekly.bob_id, first): 1,  # "How did it go?", not a nudge
        (weekly.alice_id, first): 1,
        (weekly.bob_id, second): 1,  # the 8 Dec meeting's prompt
        (weekly.alice_id, second): 1,
    }
    assert {m.kind for m in queued(sessions) if m.created_at == BACK and m.meeting_id == first} == {
        MessageKind.FOLLOW_UP
    }

    missed_at = None
    at = BACK
    while at < BACK + timedelta(days=4):  # the clock runs again, every hour
        at += timedelta(hours=1)
        run_tick(sessions, at)
        assert max(_sent_at(sessions, at).values(), default=0) <= 1  # never two at once, for any meeting
        if missed_at is None and meeting(sessions, first).status is MeetingStatus.MISSED:
            missed_at = at
    ended = int(FIRST_END.timestamp())
    for person in (weekly.bob_id, weekly.alice_id):
        assert _life(sessions, first, person) == [
            (f"prompt:{first}:{person}:{ended}", STOPPED),
            (f"follow_up:{first}:{ended}:{person}", BACK),
            (f"nudge:{first}:1:{person}", BACK + GRACE),
            (f"nudge:{first}:2:{person}", BACK + 2 * GRACE),  # the last call
        ]
    assert missed_at == BACK + 3 * GRACE
    assert meeting(sessions, first).offered_slots is None


def _to(sessions: SessionFactory, kind: MessageKind, meeting_id: int) -> list[int | None]:
    return [m.recipient_id for m in queued(sessions, kind) if m.meeting_id == meeting_id]


@pytest.mark.parametrize(
    "down_since_the_end",
    [GRACE + timedelta(hours=1), timedelta(days=6), TOO_LATE_TO_CHASE],  # the operator's case, and longer
)
def test_the_first_tick_back_asks_and_the_nudge_waits_a_grace_period_after_the_question(
    sessions: SessionFactory, weekly: Weekly, down_since_the_end: timedelta
) -> None:
    first = weekly.meeting_ids[0]
    run_tick(sessions, STOPPED)
    back = FIRST_END + down_since_the_end
    run_tick(sessions, back)
    assert _to(sessions, MessageKind.FOLLOW_UP, first) == [weekly.bob_id, weekly.alice_id]  # the report first
    assert meeting(sessions, first).followup_queued_at == back
    run_tick(sessions, back + GRACE - timedelta(minutes=1))
    assert _to(sessions, MessageKind.NUDGE, first) == []
    run_tick(sessions, back + GRACE)
    assert _to(sessions, MessageKind.NUDGE, first) == [weekly.bob_id, weekly.alice_id]


def test_a_meeting_over_for_more_than_a_week_is_counted_as_missed_without_a_word(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    run_tick(sessions, STOPPED)
    back = FIRST_END + TOO_LATE_TO_CHASE + timedelta(minutes=1)
    for at in (back, back + GRACE, back + 3 * GRACE):
        run_tick(sessions, at)
    assert [m.kind for m in queued(sessions) if m.meeting_id == first] == [MessageKind.PROMPT] * 2
    done = meeting(sessions, first)
    assert (done.status, done.followup_queued_at, done.nudge_count) == (MeetingStatus.MISSED, back, 0)


def _follow_up(sessions: SessionFactory, meeting_id: int, person_id: int, now: datetime) -> FollowUp | None:
    """The "How did it go?" to `person_id` about the meeting, as it reads at `now`."""
    with sessions() as session:
        row = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == MessageKind.FOLLOW_UP,
                OutboxMessage.meeting_id == meeting_id,
                OutboxMessage.recipient_id == person_id,
            )
        ).one()
        return load_follow_up(session, row, now)


def test_a_question_asked_days_late_names_the_meeting(sessions: SessionFactory, weekly: Weekly) -> None:
    first, second = weekly.meeting_ids[:2]
    run_tick(sessions, STOPPED)
    run_tick(sessions, BACK)  # six days late: which 1:1? The one on 1 Dec, in the reader's zone.
    late = FollowUp(first, BOB, late_start=FIRST, timezone=BERLIN)
    assert _follow_up(sessions, first, weekly.alice_id, BACK) == late
    second_end = FIRST_END + timedelta(days=7)
    run_tick(sessions, second_end)  # on time again: the plain question
    assert _follow_up(sessions, second, weekly.alice_id, second_end) == FollowUp(second, BOB)


def test_a_summary_written_from_a_nudge_counts_it_held_withdraws_the_slots_and_ends_the_chase(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    for at in (STOPPED, BACK, BACK + GRACE):  # the late question, then the nudge
        run_tick(sessions, at)
    offered = meeting(sessions, first).offered_slots or []
    assert offered
    # "It did happen" opens the form "Write the summary" opens: the same button, for the two of them only.
    assert summaries.summary_form(sessions, AS_BOB, first).meeting_id == first
    with refused(sessions, "That 1:1 isn't one of yours."):
        summaries.summary_form(sessions, AS_CAROL, first)
    at = BACK + GRACE + timedelta(hours=2)
    summaries.submit_summary(
        sessions, at, AS_BOB, summaries.SummaryInput(first, "view:S1", "We met after all")
    )
    held = meeting(sessions, first)
    assert (held.status, held.offered_slots) == (MeetingStatus.HELD, None)
    with refused(sessions, "already rebooked, skipped or recorded"):
        book_slot(sessions, at, AS_BOB, first, offered[0])
    for days in range(2, 6):
        run_tick(sessions, BACK + days * GRACE)
    assert [m.key for m in queued(sessions, MessageKind.NUDGE) if m.meeting_id == first] == [
        f"nudge:{first}:1:{weekly.bob_id}",
        f"nudge:{first}:1:{weekly.alice_id}",
    ]
    assert meeting(sessions, first).status is MeetingStatus.HELD
