"""Queries for what happens after meetings: follow-ups due, meetings to chase, cadence health."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.meetings import HEALTH_WINDOW, MeetingStatus
from bot.store.batches import among
from bot.store.meetings import due_batch
from bot.store.models import Meeting, OutboxMessage, Pair, Series

BATCH = 1000


def paused_among(session: Session, series_ids: set[int]) -> set[int]:
    """Which of a batch's series are paused (someone's Slack account is deactivated): one query, and none
    when the batch is empty (the idle tick)."""
    if not series_ids:
        return set()
    return set(
        session.scalars(
            select(Series.id).where(among(session, Series.id, series_ids), Series.paused_at.is_not(None))
        )
    )


def followups_due(session: Session, now: datetime) -> Sequence[tuple[Meeting, Pair]]:
    return due_batch(session, select(Meeting, Pair), Meeting.followup_queued_at, Meeting.ends_at, now, BATCH)


def unrecorded(session: Session, quiet_since: datetime) -> Sequence[tuple[Meeting, Pair]]:
    """Scheduled meetings asked about (bot/domain/catch_up.py) and not spoken of since `quiet_since`:
    neither the question nor a nudge came later. Exactly those the chase acts on, so a full batch is
    all work and the next one is new."""
    return session.execute(
        select(Meeting, Pair)
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED,
            # Implied by the question's time (asked at the end or later); bounds the index range scan.
            Meeting.ends_at <= quiet_since,
            Meeting.followup_queued_at <= quiet_since,
            or_(Meeting.last_nudged_at.is_(None), Meeting.last_nudged_at <= quiet_since),
        )
        .order_by(Meeting.ends_at, Meeting.id)
        .limit(BATCH)
        .with_for_update(of=Meeting, skip_locked=True)
    ).all()


def busy_times(
    session: Session, pair_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    rows = session.execute(
        select(Meeting.starts_at, Meeting.ends_at).where(
            Meeting.pair_id.in_(pair_ids),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at < end,
            Meeting.ends_at > start,
        )
    )
    return [(starts, ends) for starts, ends in rows]


def summary_messages(session: Session, meeting_id: int) -> Sequence[OutboxMessage]:
    """The meeting's summary as posted: the group DM message, or each person's copy."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.meeting_id == meeting_id, OutboxMessage.kind == "summary")
        .order_by(OutboxMessage.id)
    ).all()


def health(session: Session, pair_id: int, now: datetime) -> Counter[MeetingStatus]:
    """How the pair's last meetings went: held, skipped, missed."""
    statuses = session.scalars(
        select(Meeting.status)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.ends_at <= now,
            Meeting.status.in_([MeetingStatus.HELD, MeetingStatus.SKIPPED, MeetingStatus.MISSED]),
        )
        .order_by(Meeting.ends_at.desc())
        .limit(HEALTH_WINDOW)
    )
    return Counter(statuses)
