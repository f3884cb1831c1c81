"""Queries and writes for people who leave Slack: their series paused and resumed, their mail dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.store import home as home_store
from bot.store.models import Meeting, OutboxMessage, Pair, Series


def series_of(session: Session, person_id: int, *, paused: bool) -> list[tuple[Series, Pair]]:
    """The person's active series, paused or running, with their pair; locked: they are about to change."""
    return [
        (series, pair)
        for series, pair in session.execute(
            select(Series, Pair)
            .join(Pair, Pair.id == Series.pair_id)
            .where(
                or_(Pair.member_a_id == person_id, Pair.member_b_id == person_id),
                Series.active.is_(True),
                Series.paused_at.is_not(None) if paused else Series.paused_at.is_(None),
            )
            .order_by(Series.id)
            .with_for_update(of=Series)
        )
    ]


def drop_pending_to(session: Session, person_id: int) -> int:
    """Drop every unsent message to the person: Slack would refuse each one (account_inactive). A Home tab's
    row leaves its slot as a delivered one does (bot/store/home.py), so their Home works again if they
    come back."""
    pending = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_id == person_id, OutboxMessage.status == DeliveryStatus.PENDING)
        .with_for_update()
    ).all()
    for row in pending:
        row.status, row.claimed_until, row.last_error = DeliveryStatus.DROPPED, None, "account_inactive"
        if row.kind == MessageKind.HOME:
            home_store.settle(session, row)
    return len(pending)


# What the clock sends about a meeting: while its series is paused, none of it goes (to either person).
_ABOUT_MEETINGS = [MessageKind.PROMPT, MessageKind.FOLLOW_UP, MessageKind.NUDGE, MessageKind.STILL_OPEN]


def drop_pending_about(session: Session, series_id: int) -> int:
    """Drop the unsent prompts, follow-ups and nudges of the series' meetings (e.g. the other person's
    prompt waiting for their own lead time): a paused 1:1 sends nothing."""
    meetings = select(Meeting.id).where(Meeting.series_id == series_id)
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.meeting_id.in_(meetings),
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.kind.in_([kind.value for kind in _ABOUT_MEETINGS]),
        )
        .values(status=DeliveryStatus.DROPPED, claimed_until=None, last_error="paused")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reopen_prompts(session: Session, series_id: int, now: datetime) -> int:
    """The series' meetings still ahead whose prompt the pause passed over (marked queued, nothing sent):
    due again, so the tick prompts them as usual (late if their prompt time went by meanwhile)."""
    prompted = exists().where(
        OutboxMessage.meeting_id == Meeting.id, OutboxMessage.kind == MessageKind.PROMPT.value
    )
    result = session.execute(
        update(Meeting)
        .where(
            Meeting.series_id == series_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            Meeting.prompt_queued_at.is_not(None),
            ~prompted,
        )
        .values(prompt_queued_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
