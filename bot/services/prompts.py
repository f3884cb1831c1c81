"""Queueing the pre-meeting prompts that are due: both people, the report first, one question each meeting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.questions import pick_question
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair

BATCH = 1000


def queue_due_prompts(sessions: SessionFactory, now: datetime) -> int:
    """Queue every prompt whose time has come; one transaction per batch of meetings."""
    queued = 0
    while True:
        with sessions.begin() as session:
            batch = _due(session, now)
            queued += _queue(session, batch, now)
        if len(batch) < BATCH:
            return queued


def _due(session: Session, now: datetime) -> Sequence[tuple[Meeting, Pair]]:
    return session.execute(
        select(Meeting, Pair)
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(Meeting.prompt_queued_at.is_(None), Meeting.prompt_at <= now)
        .order_by(Meeting.prompt_at, Meeting.id)
        .limit(BATCH)
        .with_for_update(of=Meeting, skip_locked=True)
    ).all()


def _queue(session: Session, batch: Sequence[tuple[Meeting, Pair]], now: datetime) -> int:
    history = _question_history(session, {pair.id for _, pair in batch})
    rows = []
    for meeting, pair in batch:
        meeting.prompt_queued_at = now
        # Over, skipped or cancelled before its prompt was due: nothing to ask any more.
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
            continue
        meeting.question_key = pick_question(history[pair.id], seed=pair.id).key
        history[pair.id].append(meeting.question_key)
        rows.extend(_prompt_rows(meeting, pair, now))
    return outbox.enqueue_many(session, rows)


def _prompt_rows(meeting: Meeting, pair: Pair, now: datetime) -> list[dict[str, object]]:
    members = [pair.member_a_id, pair.member_b_id]
    # The report is asked first: it is their meeting.
    members.sort(key=lambda person_id: person_id == pair.manager_id)
    return [
        {
            "key": f"{MessageKind.PROMPT}:{meeting.id}:{person_id}",
            "kind": MessageKind.PROMPT,
            "recipient_id": person_id,
            "meeting_id": meeting.id,
            "params": {"meeting_id": meeting.id},
            "now": now,
        }
        for person_id in members
    ]


def _question_history(session: Session, pair_ids: set[int]) -> dict[int, list[str]]:
    history: dict[int, list[str]] = defaultdict(list)
    if not pair_ids:
        return history
    rows = session.execute(
        select(Meeting.pair_id, Meeting.question_key)
        .where(Meeting.pair_id.in_(pair_ids), Meeting.question_key.is_not(None))
        .order_by(Meeting.prompt_queued_at, Meeting.id)
    )
    for pair_id, key in rows:
        history[pair_id].append(key)
    return history
