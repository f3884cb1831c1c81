"""Queries for meetings (occurrences)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.store.models import Meeting


def next_meeting(session: Session, pair_id: int, now: datetime) -> Meeting | None:
    """The pair's next scheduled meeting that has not ended yet."""
    return session.scalar(
        select(Meeting)
        .where(Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )
