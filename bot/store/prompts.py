"""Queries for the pre-meeting prompts: meetings whose prompt is due, and each pair's past questions.

Plain rows, not ORM objects: a tick may find 10,000 meetings due at once (everyone's Tuesday 10:00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.orm import Session

from bot.store.meetings import due_batch
from bot.store.models import Meeting, Pair, QuestionShown

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
        select(QuestionShown.pair_id, QuestionShown.question_key)
        .where(QuestionShown.pair_id.in_(pair_ids))
        .order_by(QuestionShown.shown_at, QuestionShown.id)
    )
    for pair_id, key in rows:
        history[pair_id].append(key)
    return history


def record_shown(session: Session, shown: Sequence[tuple[int, str]], now: datetime) -> None:
    """Each (pair id, question key) shown in prompts queued `now`: the pairs' history."""
    if shown:
        session.execute(
            insert(QuestionShown),
            [{"pair_id": pair_id, "question_key": key, "shown_at": now} for pair_id, key in shown],
        )
