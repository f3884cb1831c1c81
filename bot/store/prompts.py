"""Queries for the pre-meeting prompts: meetings whose prompt is due, and each pair's past questions.

Plain rows, not ORM objects: a tick may find 10,000 meetings due at once (everyone's Tuesday 10:00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select
from sqlalchemy.orm import Session, aliased

from bot.store.meetings import due_batch
from bot.store.models import Meeting, Pair, Person, QuestionShown, Series

BATCH = 1000

# What a prompt needs to know of its meeting and pair; and of its series, whether either person set a lead
# time of their own (`people_lead_minutes` is None for most: their prompts go as soon as the meeting is due).
_DUE_COLUMNS = (
    Meeting.id,
    Meeting.status,
    Meeting.starts_at,
    Meeting.ends_at,
    Meeting.pair_id,
    Pair.member_a_id,
    Pair.member_b_id,
    Pair.manager_id,
    Series.people_lead_minutes,
    Series.cadence,  # time away longer than two cycles pauses the series (one notice for the span)
)


@dataclass(frozen=True)
class Leads:
    """When a meeting's people want to be asked: its start, the 1:1's lead and each person's own."""

    starts_at: datetime
    series_minutes: int
    own_minutes: dict[int, int | None]  # person id -> their own lead (None: the 1:1's)


def prompts_due(session: Session, now: datetime) -> Sequence[Row[Any]]:
    """Up to BATCH meetings whose prompt is due and not yet queued, held for this transaction."""
    query = select(*_DUE_COLUMNS).join(Series, Series.id == Meeting.series_id)
    return due_batch(session, query, Meeting.prompt_queued_at, Meeting.prompt_at, now, BATCH)


def leads(session: Session, meeting_ids: Sequence[int]) -> dict[int, Leads]:
    """Each meeting's start and its people's lead times, in one query (for the few whose people set one)."""
    if not meeting_ids:
        return {}
    a, b = aliased(Person), aliased(Person)
    rows = session.execute(
        select(
            Meeting.id,
            Meeting.starts_at,
            Series.lead_minutes,
            Pair.member_a_id,
            a.prompt_lead_minutes,
            Pair.member_b_id,
            b.prompt_lead_minutes,
        )
        .join(Series, Series.id == Meeting.series_id)
        .join(Pair, Pair.id == Meeting.pair_id)
        .join(a, a.id == Pair.member_a_id)
        .join(b, b.id == Pair.member_b_id)
        .where(Meeting.id.in_(meeting_ids))
    )
    return {
        meeting_id: Leads(starts_at, series_minutes, {a_id: a_lead, b_id: b_lead})
        for meeting_id, starts_at, series_minutes, a_id, a_lead, b_id, b_lead in rows
    }


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
