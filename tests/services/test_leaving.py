"""People who leave Slack, in the services: a deactivated account pauses its series (nothing prompted,
followed up, chased or materialised meanwhile), the other person is told once, and coming back resumes it;
a guest keeps their 1:1s, a new zone is taken at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.domain.meetings import GRACE, MeetingStatus
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.services.leaving import user_changed
from bot.services.prompts import queue_due_prompts
from bot.services.tick import run_tick
from bot.store import home, outbox
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person, Series
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.people import ALICE, AS_CAROL, BOB, DAVE, TEAM

LEAD = timedelta(hours=24)
THIRD = SECOND + timedelta(days=7)


def change(sessions: SessionFactory, at: datetime, user_id: str, **fields: Any) -> None:
    user_changed(sessions, at, TEAM, {"id": user_id, "deleted": False, **fields})


def rows(sessions: SessionFactory, *kinds: MessageKind) -> list[tuple[str, int | None, DeliveryStatus]]:
    """(kind, recipient id, status) of the outbox rows of these kinds (all kinds if none), in order."""
    query = select(OutboxMessage.kind, OutboxMessage.recipient_id, OutboxMessage.status)
    if kinds:
        query = query.where(OutboxMessage.kind.in_([kind.value for kind in kinds]))
    with sessions() as session:
        return [tuple(row) for row in session.execute(query.order_by(OutboxMessage.id))]  # type: ignore[misc]


def series_paused(sessions: SessionFactory, weekly: Weekly) -> datetime | None:
    with sessions() as session:
        return session.get_one(Series, weekly.series_id).paused_at


def meeting(sessions: SessionFactory, meeting_id: int) -> Meeting:
    with sessions() as session:
        found = session.get_one(Meeting, meeting_id)
        session.expunge(found)
        return found


def test_deactivation_pauses_tells_the_other_once_and_drops_what_waits_for_them(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_due_prompts(sessions, FIRST - LEAD)  # both prompts wait in the outbox
    at = FIRST - LEAD + timedelta(minutes=1)
    change(sessions, at, BOB, deleted=True)
    change(sessions, at + timedelta(minutes=1), BOB, deleted=True)  # a later profile change: told once

    assert series_paused(sessions, weekly) == at
    with sessions() as session:
        assert session.get_one(Person, weekly.bob_id).deactivated_at == at
    assert rows(sessions) == [
        (MessageKind.SERIES_ANNOUNCED, weekly.bob_id, DeliveryStatus.DROPPED),  # Slack would refuse them
        (MessageKind.PROMPT, weekly.bob_id, DeliveryStatus.DROPPED),
        (MessageKind.PROMPT, weekly.alice_id, DeliveryStatus.DROPPED),  # a paused 1:1 sends nothing
        (MessageKind.PARTNER_LEFT, weekly.alice_id, DeliveryStatus.PENDING),
    ]


def test_a_paused_series_is_neither_prompted_followed_up_chased_nor_materialised(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_due_prompts(sessions, FIRST - LEAD)
    change(sessions, FIRST - timedelta(hours=1), BOB, deleted=True)
    with sessions() as session:
        before = session.scalar(select(func.count()).select_from(Meeting))
        until = session.get_one(Series, weekly.series_id).materialised_until
    sent = rows(sessions)

    for at in (
        FIRST_END,
        FIRST_END + GRACE * 3,
        SECOND - LEAD,
        SECOND + GRACE * 3,
        THIRD + timedelta(days=30),
    ):
        run_tick(sessions, at)

    assert rows(sessions) == sent  # no follow-up, nudge, prompt or still-open reminder
    first, second = meeting(sessions, weekly.meeting_ids[0]), meeting(sessions, weekly.meeting_ids[1])
    assert first.status is MeetingStatus.SKIPPED and second.status is MeetingStatus.SKIPPED  # didn't happen
    assert second.prompt_queued_at is not None and second.followup_queued_at is not None  # off the queues
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Meeting)) == before
        assert session.get_one(Series, weekly.series_id).materialised_until == until


def test_back_resumes_and_a_meeting_still_ahead_is_prompted_late_but_nothing_for_what_passed(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    change(sessions, SET_UP, BOB, deleted=True)
    run_tick(sessions, FIRST_END + GRACE * 3)  # the first went by while paused
    run_tick(sessions, SECOND - LEAD + timedelta(hours=1))  # the second's prompt time passes, paused
    back_at = SECOND - timedelta(hours=2)
    change(sessions, back_at, BOB)

    assert series_paused(sessions, weekly) is None
    with sessions() as session:
        assert session.get_one(Person, weekly.bob_id).deactivated_at is None
    assert rows(sessions, MessageKind.PARTNER_LEFT, MessageKind.PARTNER_BACK) == [
        (MessageKind.PARTNER_LEFT, weekly.alice_id, DeliveryStatus.PENDING),
        (MessageKind.PARTNER_BACK, weekly.alice_id, DeliveryStatus.PENDING),
    ]
    run_tick(sessions, back_at)
    with sessions() as session:
        prompts = session.execute(
            select(OutboxMessage.meeting_id, OutboxMessage.recipient_id).where(
                OutboxMessage.kind == MessageKind.PROMPT
            )
        ).all()
    # The second meeting is still ahead: both are asked now; the first one, over, gets nothing.
    assert sorted(prompts) == sorted(
        [(weekly.meeting_ids[1], weekly.bob_id), (weekly.meeting_ids[1], weekly.alice_id)]
    )
    assert not rows(sessions, MessageKind.FOLLOW_UP, MessageKind.NUDGE)
    run_tick(sessions, THIRD - LEAD)
    assert len(rows(sessions, MessageKind.PROMPT)) == 4  # and the third as usual


def test_a_meeting_prompted_before_the_pause_is_not_prompted_again_on_resuming(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    run_tick(sessions, FIRST - LEAD)
    change(sessions, FIRST - LEAD + timedelta(minutes=1), BOB, deleted=True)
    change(sessions, FIRST - timedelta(hours=1), BOB)
    run_tick(sessions, FIRST - timedelta(hours=1))
    prompts = rows(sessions, MessageKind.PROMPT)
    assert len(prompts) == 2 and meeting(sessions, weekly.meeting_ids[0]).question_key is not None


def test_two_gone_stay_paused_until_both_are_back(sessions: SessionFactory, weekly: Weekly) -> None:
    change(sessions, SET_UP, BOB, deleted=True)
    change(sessions, SET_UP + timedelta(minutes=1), ALICE, deleted=True)
    change(sessions, SET_UP + timedelta(minutes=2), BOB)
    assert series_paused(sessions, weekly) == SET_UP  # Alice is still gone
    assert rows(sessions, MessageKind.PARTNER_BACK) == []  # and nobody to tell
    change(sessions, SET_UP + timedelta(minutes=3), ALICE)
    assert series_paused(sessions, weekly) is None
    assert rows(sessions, MessageKind.PARTNER_LEFT, MessageKind.PARTNER_BACK) == [
        (MessageKind.PARTNER_LEFT, weekly.alice_id, DeliveryStatus.DROPPED),  # dropped when she left too
        (MessageKind.PARTNER_BACK, weekly.bob_id, DeliveryStatus.PENDING),
    ]


def test_only_the_pairs_of_the_person_who_left_pause(sessions: SessionFactory, weekly: Weekly) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    change(sessions, SET_UP, BOB, deleted=True)
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Series.paused_at.is_not(None))) == 1
    run_tick(sessions, FIRST - LEAD)
    assert len(rows(sessions, MessageKind.PROMPT)) == 2  # Carol's and Dave's


def test_a_guest_keeps_their_1on1s(sessions: SessionFactory, weekly: Weekly) -> None:
    change(sessions, SET_UP, BOB, is_restricted=True, is_ultra_restricted=False)
    assert series_paused(sessions, weekly) is None
    run_tick(sessions, FIRST - LEAD)
    assert len(rows(sessions, MessageKind.PROMPT)) == 2


def test_a_new_zone_is_taken_at_once_and_an_unknown_one_ignored(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    change(sessions, SET_UP, BOB, tz="Asia/Tokyo")
    change(sessions, SET_UP + timedelta(minutes=1), BOB, tz="Not/AZone")
    with sessions() as session:
        bob = session.get_one(Person, weekly.bob_id)
        assert (bob.timezone, bob.timezone_checked_at) == ("Asia/Tokyo", SET_UP)


def test_someone_the_bot_does_not_know_changes_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    change(sessions, SET_UP, "UNOBODY1", deleted=True, tz="Asia/Tokyo")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 2
    assert series_paused(sessions, weekly) is None
    assert rows(sessions) == [(MessageKind.SERIES_ANNOUNCED, weekly.bob_id, DeliveryStatus.PENDING)]


def test_a_home_tab_waiting_for_them_leaves_its_slot_so_it_works_again_when_they_are_back(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    slot = home.slot_keys(weekly.bob_id)[0]
    with sessions.begin() as session:
        outbox.enqueue(session, key=slot, kind=MessageKind.HOME, now=SET_UP, recipient_id=weekly.bob_id)
    change(sessions, SET_UP, BOB, deleted=True)
    with sessions() as session:
        keys = {row.key: row.status for row in session.scalars(select(OutboxMessage))}
    assert slot not in keys
    assert keys[home.finished_key(weekly.bob_id, DeliveryStatus.DROPPED)] is DeliveryStatus.DROPPED
