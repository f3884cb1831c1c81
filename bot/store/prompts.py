"""Queries for the pre-meeting prompts: meetings whose prompt is due, and each pair's past questions.

Plain rows, not ORM objects: a tick may find 10,000 meetings due at once (everyone's Tuesday 10:00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, String, bindparam, column, func, insert, select
from sqlalchemy.orm import Session, aliased

from bot.domain.pulse import WINDOW
from bot.store.batches import among, array_parameter
from bot.store.meetings import due_batch
from bot.store.models import Meeting, Pair, Person, PulseCheck, QuestionRetired, QuestionShown, Series

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
    Series.paused_at,  # someone's Slack account is deactivated: not prompted (bot/services/leaving.py)
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
        .where(among(session, Meeting.id, meeting_ids))
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
        .where(among(session, QuestionShown.pair_id, pair_ids))
        .order_by(QuestionShown.shown_at, QuestionShown.id)
    )
    for pair_id, key in rows:
        history[pair_id].append(key)
    return history


def retired_questions(session: Session, pair_ids: set[int]) -> dict[int, frozenset[str]]:
    """The question keys each pair found not useful (bot/store/questions.py); pairs with none left out."""
    if not pair_ids:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(QuestionRetired.pair_id, QuestionRetired.question_key).where(
            among(session, QuestionRetired.pair_id, pair_ids)
        )
    )
    for pair_id, key in rows:
        found[pair_id].add(key)
    return {pair_id: frozenset(keys) for pair_id, keys in found.items()}


def report_stress(session: Session, pair_ids: set[int], since: datetime) -> dict[int, list[int | None]]:
    """The report's stress in each pair's last WINDOW pulse checks (by their meetings' start), oldest first:
    one query for a batch of pairs, checks made after `since`, and only while the report keeps the pulse on.
    Pairs without such a check are left out; so are managers' own checks (the question follows the report).
    Read for the prompt's question alone: never logged, never summed across pairs."""
    if not pair_ids:
        return {}
    recent = (
        select(
            PulseCheck.pair_id,
            PulseCheck.stressed,
            func.row_number()
            .over(partition_by=PulseCheck.pair_id, order_by=(Meeting.starts_at.desc(), Meeting.id.desc()))
            .label("newest"),
        )
        .join(Meeting, Meeting.id == PulseCheck.meeting_id)
        .join(Pair, Pair.id == PulseCheck.pair_id)
        .join(Person, Person.id == PulseCheck.person_id)
        .where(
            among(session, PulseCheck.pair_id, pair_ids),
            PulseCheck.updated_at > since,
            PulseCheck.person_id != Pair.manager_id,  # no manager known (NULL): no report either
            Person.pulse_as_report,
        )
        .subquery()
    )
    rows = session.execute(
        select(recent.c.pair_id, recent.c.stressed)
        .where(recent.c.newest <= WINDOW)
        .order_by(recent.c.pair_id, recent.c.newest.desc())
    )
    stress: dict[int, list[int | None]] = defaultdict(list)
    for pair_id, stressed in rows:
        stress[pair_id].append(stressed)
    return dict(stress)


def record_shown(session: Session, shown: Sequence[tuple[int, str]], now: datetime) -> None:
    """Each (pair id, question key) shown in prompts queued `now`: the pairs' history, in this order (a pair
    prompted twice in a batch was shown the second question after the first)."""
    if not shown:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Two array parameters unnested in order: no row dicts to build and encode as JSON (a tenth of a
        # 100,000-prompt tick went on that).
        given = (
            func.unnest(
                array_parameter([pair_id for pair_id, _ in shown], Integer),
                array_parameter([key for _, key in shown], String),
            )
            .table_valued(column("pair_id", Integer), column("question_key", String))
            .render_derived(name="given")
        )
        shown_at = bindparam("shown_at", now, type_=QuestionShown.__table__.c.shown_at.type)
        session.execute(
            insert(QuestionShown).from_select(
                ["pair_id", "question_key", "shown_at"],
                select(given.c.pair_id, given.c.question_key, shown_at),
            )
        )
        return
    rows = [{"pair_id": pair_id, "question_key": key, "shown_at": now} for pair_id, key in shown]
    session.execute(insert(QuestionShown), rows)
