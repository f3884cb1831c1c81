"""Queries for the pre-meeting prompts: meetings whose prompt is due, and each pair's past questions.

Plain rows, not ORM objects: a tick may find 10,000 meetings due at once (everyone's Tuesday 10:00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from bot.store.meetings import due_batch
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


def prompts_due(session: Session, now: datetime) -> Sequence[Row[Any]]:
    """Up to BATCH meetings whose prompt is due and not yet queued, held for this transaction."""
    return due_batch(session, select(*_DUE_COLUMNS), Meeting.prompt_queued_at, Meeting.prompt_at, now, BATCH)


def question_history(session: Session, pair_ids: set[int]) -> dict[int, list[str]]:
    """The question keys each pair was shown, oldest first."""
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
