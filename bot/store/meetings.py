"""Queries for meetings (occurrences)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, Row, Select, String, bindparam, column, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.meetings import MeetingStatus
from bot.store.batches import among
from bot.store.models import Meeting, Pair


def due_batch(
    session: Session,
    query: Select[Any],
    queued_at: InstrumentedAttribute[datetime | None],
    due_at: InstrumentedAttribute[datetime],
    now: datetime,
    limit: int,
) -> Sequence[Row[Any]]:
    """Up to `limit` meetings (with their pair) whose message is due at `now` and not queued yet.

    Held for the transaction; on PostgreSQL SKIP LOCKED lets two ticks take disjoint batches.
    """
    return session.execute(
        query.join(Pair, Pair.id == Meeting.pair_id)
        .where(queued_at.is_(None), due_at <= now)
        .order_by(due_at, Meeting.id)
        .limit(limit)
        .with_for_update(of=Meeting, skip_locked=True)
    ).all()


def next_meeting(session: Session, pair_id: int, now: datetime) -> Meeting | None:
    """The pair's next scheduled meeting that has not ended yet."""
    return session.scalar(
        select(Meeting)
        .where(Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.SCHEDULED, Meeting.ends_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def mark_prompted(
    session: Session, now: datetime, questions: Mapping[int, str], others: Sequence[int]
) -> None:
    """Record a batch of due prompts as queued, writing each meeting row once.

    `questions` maps the meetings whose people were asked to the question shown; `others` were due
    but had nothing left to ask (over, skipped or cancelled).
    """
    if questions:
        if session.get_bind().dialect.name == "postgresql":
            # One statement for the batch: a thousand single-row UPDATEs cost PostgreSQL twice as long.
            asked = (
                func.json_to_recordset(bindparam("asked", type_=JSON))
                .table_valued(column("id", Integer), column("question", String))
                .render_derived(name="asked", with_types=True)
            )
            session.execute(
                update(Meeting)
                .where(Meeting.id == asked.c.id)
                .values(prompt_queued_at=now, question_key=asked.c.question)
                .execution_options(synchronize_session=False),
                {"asked": [{"id": meeting_id, "question": key} for meeting_id, key in questions.items()]},
            )
        else:
            meetings = Meeting.__table__
            session.connection().execute(
                update(meetings)
                .where(meetings.c.id == bindparam("meeting"))
                .values(prompt_queued_at=now, question_key=bindparam("question")),
                [{"meeting": meeting_id, "question": key} for meeting_id, key in questions.items()],
            )
    if others:
        session.execute(
            update(Meeting)
            .where(among(session, Meeting.id, others))
            .values(prompt_queued_at=now)
            .execution_options(synchronize_session=False)
        )
