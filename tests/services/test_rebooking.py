"""Answers to a nudge: a chosen slot moves that meeting only and re-arms it; "skip this one" skips it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services.followups import queue_followups, report_not_held
from bot.services.messages.after_meeting import load_nudge
from bot.services.prompts import queue_due_prompts
from bot.services.rebooking import book_slot, skip_missed
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage
from tests.services.conftest import FIRST_END, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB

AFTER = FIRST_END + timedelta(minutes=5)


@pytest.fixture
def slots(sessions: SessionFactory, weekly: Weekly) -> list[int]:
    """The 1 Dec meeting was prompted and asked about, then reported as not held; its offered slots."""
    queue_due_prompts(sessions, SET_UP)
    queue_followups(sessions, FIRST_END)
    report_not_held(sessions, AFTER, AS_BOB, weekly.meeting_ids[0])
    return meeting(sessions, weekly.meeting_ids[0]).offered_slots or []


def _times(sessions: SessionFactory) -> dict[int, tuple[datetime, datetime]]:
    with sessions() as session:
        return {m.id: (m.starts_at, m.ends_at) for m in session.scalars(select(Meeting))}


def test_a_chosen_slot_moves_that_meeting_only_tells_both_and_asks_for_topics_again(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first = weekly.meeting_ids[0]
    before = _times(sessions)
    rebooked = book_slot(sessions, AFTER, AS_ALICE, first, slots[1])
    new_start = datetime.fromtimestamp(slots[1], UTC)
    assert (rebooked.other_user_id, rebooked.starts_at) == ("UBOB0001", new_start)
    after = _times(sessions)
    assert after[first] == (new_start, new_start + timedelta(minutes=30))
    assert {k: v for k, v in after.items() if k != first} == {k: v for k, v in before.items() if k != first}
    moved = meeting(sessions, first)
    assert (moved.status, moved.offered_slots, moved.prompt_queued_at) == (
        MeetingStatus.SCHEDULED,
        None,
        None,
    )
    told = queued(sessions, MessageKind.MEETING_REBOOKED)
    assert sorted(m.recipient_id for m in told) == sorted([weekly.alice_id, weekly.bob_id])
    prompts = len(queued(sessions, MessageKind.PROMPT))
    queue_due_prompts(sessions, max(AFTER, new_start - timedelta(hours=24)))
    assert len(queued(sessions, MessageKind.PROMPT)) == prompts + 2


def test_a_rebooked_meeting_is_asked_how_it_went_after_its_new_time(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first = weekly.meeting_ids[0]
    book_slot(sessions, AFTER, AS_ALICE, first, slots[0])
    asked = len(queued(sessions, MessageKind.FOLLOW_UP))
    queue_followups(sessions, meeting(sessions, first).ends_at)
    assert len(queued(sessions, MessageKind.FOLLOW_UP)) == asked + 2


def test_a_time_not_offered_a_past_one_or_a_stale_choice_is_refused(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first = weekly.meeting_ids[0]
    with refused(sessions, "That time wasn't one of the times I offered for this 1:1."):
        book_slot(sessions, AFTER, AS_ALICE, first, slots[0] + 1800)
    with refused(sessions, "That time has already passed; pick a later one."):
        book_slot(sessions, datetime.fromtimestamp(slots[0], UTC), AS_ALICE, first, slots[0])
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    with refused(sessions, "That 1:1 isn't one of yours."):
        book_slot(sessions, AFTER, AS_CAROL, first, slots[0])
    book_slot(sessions, AFTER, AS_BOB, first, slots[0])
    with refused(sessions, "This 1:1 was already rebooked, skipped or recorded"):  # Alice's older buttons
        book_slot(sessions, AFTER, AS_ALICE, first, slots[1])


def test_skip_this_one_records_it_as_skipped_and_tells_the_other(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first = weekly.meeting_ids[0]
    assert skip_missed(sessions, AFTER, AS_BOB, first) == ALICE
    skipped = meeting(sessions, first)
    assert (skipped.status, skipped.offered_slots) == (MeetingStatus.SKIPPED, None)
    [notice] = queued(sessions, MessageKind.MEETING_SKIPPED)
    assert (notice.recipient_id, notice.key) == (weekly.alice_id, f"meeting_skipped:{first}")
    with refused(sessions, "This 1:1 was already rebooked, skipped or recorded"):
        book_slot(sessions, AFTER, AS_ALICE, first, slots[0])
    with refused(sessions, "This 1:1 was already rebooked, skipped or recorded"):
        skip_missed(sessions, AFTER, AS_ALICE, first)


def test_a_nudge_that_found_no_free_time_still_goes_out_and_can_be_skipped(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first = weekly.meeting_ids[0]
    with sessions.begin() as session:  # nothing free in the days searched
        session.get(Meeting, first).offered_slots = []  # type: ignore[union-attr]
    with sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.NUDGE)).first()
        assert row is not None
        nudge = load_nudge(session, row, AFTER)
    # Sent, saying so ("I couldn't find a free time…"), not dropped as if it had been rebooked.
    assert nudge is not None and nudge.slots == ()
    skip_missed(sessions, AFTER, AS_ALICE, first)
    assert meeting(sessions, first).status is MeetingStatus.SKIPPED


def test_the_rebooking_and_skip_notices_keep_their_keys_and_say_who_chose(
    sessions: SessionFactory, weekly: Weekly, slots: list[int]
) -> None:
    first, second = weekly.meeting_ids[:2]
    book_slot(sessions, AFTER, AS_ALICE, first, slots[0])
    by_alice = {"meeting_id": first, "by": weekly.alice_id}
    assert [
        (m["key"], m["recipient_id"], m["meeting_id"], m["params"])
        for m in addressed(sessions, MessageKind.MEETING_REBOOKED)
    ] == [
        (f"meeting_rebooked:{first}:{slots[0]}:{weekly.alice_id}", weekly.alice_id, first, by_alice),
        (f"meeting_rebooked:{first}:{slots[0]}:{weekly.bob_id}", weekly.bob_id, first, by_alice),
    ]
    queue_followups(sessions, FIRST_END + timedelta(days=7))  # the 8 Dec meeting is not recorded either
    report_not_held(sessions, FIRST_END + timedelta(days=7, minutes=5), AS_ALICE, second)
    assert skip_missed(sessions, FIRST_END + timedelta(days=7, minutes=5), AS_ALICE, second) == BOB
    [skipped] = addressed(sessions, MessageKind.MEETING_SKIPPED)
    assert (skipped["key"], skipped["recipient_id"], skipped["meeting_id"], skipped["params"]) == (
        f"meeting_skipped:{second}",
        weekly.bob_id,
        second,
        {"meeting_id": second, "by": weekly.alice_id},
    )
