"""Queueing the pre-meeting prompts that are due: both people, the report first, one question each meeting.

This runs every minute and may find 10,000 meetings due at once (everyone's Tuesday 10:00), so it
reads plain rows and writes with a few set-based statements per batch instead of loading ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.questions import pick_question
from bot.store import meetings, outbox
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair

BATCH = 1000

# What a prompt needs to know of its meeting and pair.
_DUE_COLUMNS = (
    Meeting.id,
    Meeting.status,
    Meeting.ends_at,
    Meeting.pair_id,
    Pair.member_a_id,
    Pair.member_b_id,
    Pair.manager_id,
)


def queue_due_prompts(sessions: SessionFactory, now: datetime) -> int:
    """Queue every prompt whose time has come; one transaction per batch of meetings."""
    queued = 0
    while True:
        with sessions.begin() as session:
            batch = _due(session, now)
            queued += _queue(session, batch, now)
        if len(batch) < BATCH:
            return queued


def _due(session: Session, now: datetime) -> Sequence[Row[Any]]:
    return session.execute(
        select(*_DUE_COLUMNS)
        .join(Pair, Pair.id == Meeting.pair_id)
        .where(Meeting.prompt_queued_at.is_(None), Meeting.prompt_at <= now)
        .order_by(Meeting.prompt_at, Meeting.id)
        .limit(BATCH)
        .with_for_update(of=Meeting, skip_locked=True)
    ).all()


def _queue(session: Session, batch: Sequence[Row[Any]], now: datetime) -> int:
    if not batch:
        return 0
    history = _question_history(session, {meeting.pair_id for meeting in batch})
    asked: dict[int, str] = {}  # meeting id -> the question shown
    not_asked: list[int] = []
    rows = []
    for meeting in batch:
        # Over, skipped or cancelled before its prompt was due: nothing to ask any more.
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
            not_asked.append(meeting.id)
            continue
        key = pick_question(history[meeting.pair_id], seed=meeting.pair_id).key
        history[meeting.pair_id].append(key)
        asked[meeting.id] = key
        rows.extend(_prompt_rows(meeting, now))
    meetings.mark_prompted(session, now, asked, not_asked)
    return outbox.enqueue_many(session, rows)


def _prompt_rows(meeting: Row[Any], now: datetime) -> list[dict[str, object]]:
    members = [meeting.member_a_id, meeting.member_b_id]
    # The report is asked first: it is their meeting.
    members.sort(key=lambda person_id: person_id == meeting.manager_id)
    return [
        {
            # The end time is in the key: a missed meeting rebooked to a new time is asked about again.
            "key": f"{MessageKind.PROMPT}:{meeting.id}:{person_id}:{int(meeting.ends_at.timestamp())}",
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
