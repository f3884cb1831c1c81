"""Queries behind a pair's history: its past meetings, what was recorded of them, and what words find.

A topic, action item or note belongs to its meeting; one made when none was scheduled (an `add-action`
between meetings, a topic before the first) belongs to the meeting that followed it, as its agenda showed
it there. Who may see what (private notes, private topics) is decided here, in the queries.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from bot.domain.agenda import Visibility
from bot.domain.meetings import MeetingStatus
from bot.store import search as engine
from bot.store.models import ActionItem, Meeting, Note, Pair, Summary, TemplateOutcome, Topic


@dataclass
class Found:
    """What a search found in a pair's history: the lines' ids, and the meetings they belong to."""

    meeting_ids: set[int] = field(default_factory=set)
    summaries: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)
    actions: set[int] = field(default_factory=set)
    notes: set[int] = field(default_factory=set)


def past_meetings(
    session: Session,
    pair_id: int,
    now: datetime,
    *,
    offset: int,
    limit: int,
    among: Collection[int] | None = None,
) -> tuple[Sequence[Meeting], int]:
    """The pair's meetings that have begun, newest first, from `offset` (only those `among`, when given),
    and how many there are in all."""
    where = [Meeting.pair_id == pair_id, Meeting.starts_at <= now]
    if among is not None:
        where.append(Meeting.id.in_(list(among)))
    total = session.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0
    meetings = session.scalars(
        select(Meeting)
        .where(*where)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return meetings, total


def summaries_of(session: Session, meeting_ids: Collection[int]) -> Sequence[Summary]:
    return session.scalars(
        select(Summary).where(Summary.meeting_id.in_(list(meeting_ids))).order_by(Summary.id)
    ).all()


def actions_of(
    session: Session, pair_id: int, meetings: Sequence[Meeting]
) -> Sequence[tuple[ActionItem, int]]:
    """The action items of these meetings, each with the meeting it belongs to."""
    return _attached(session, ActionItem, pair_id, meetings)


def own_notes_of(
    session: Session, pair_id: int, author_id: int, meetings: Sequence[Meeting]
) -> Sequence[tuple[Note, int]]:
    """The author's own private notes of these meetings; nobody else's."""
    return _attached(session, Note, pair_id, meetings, Note.author_id == author_id)


def topics_of(
    session: Session, pair_id: int, viewer_id: int, meetings: Sequence[Meeting]
) -> Sequence[tuple[Topic, int]]:
    """The topics of these meetings the viewer may see (shared ones, and their own private ones)."""
    return _attached(session, Topic, pair_id, meetings, _visible_topic(viewer_id))


def outcomes_of(
    session: Session, viewer_id: int, meeting_ids: Collection[int]
) -> Sequence[tuple[TemplateOutcome, Topic, int]]:
    """What the summaries of these meetings recorded per template step, of topics the viewer may see."""
    rows = session.execute(
        select(TemplateOutcome, Topic, Summary.meeting_id)
        .join(Summary, Summary.id == TemplateOutcome.summary_id)
        .join(Topic, Topic.id == TemplateOutcome.topic_id)
        .where(Summary.meeting_id.in_(list(meeting_ids)), _visible_topic(viewer_id))
        .order_by(Summary.id, Topic.id, TemplateOutcome.id)
    )
    return [(outcome, topic, meeting_id) for outcome, topic, meeting_id in rows]


def search(session: Session, pair: Pair, viewer_id: int, terms: list[str]) -> Found:
    """The lines of the pair's history holding every term, as the viewer may see them: key points, topics
    (shared, or their own), action items, and their own private notes."""
    found = Found()
    if not terms:
        return found
    authors = [pair.member_a_id, pair.member_b_id]
    # A summary's scope is its author, and these two may write summaries of other 1:1s too: the pair's
    # meetings sort those out (and let PostgreSQL read the pair's summaries, not every match of the words).
    ours = select(Meeting.id).where(Meeting.pair_id == pair.id)
    summaries = session.execute(
        select(Summary.id, Summary.meeting_id).where(
            Summary.meeting_id.in_(ours), engine.matches(session, Summary.key_points, terms, authors)
        )
    )
    for summary_id, meeting_id in summaries:
        found.summaries.add(summary_id)
        found.meeting_ids.add(meeting_id)
    for model, ids, visible in (
        (Topic, found.topics, _visible_topic(viewer_id)),
        (ActionItem, found.actions, None),
        (Note, found.notes, Note.author_id == viewer_id),
    ):
        where = [model.pair_id == pair.id, engine.matches(session, model.text, terms, [pair.id])]
        rows = session.execute(
            select(model.id, model.meeting_id, model.created_at).where(*where, *_also(visible))
        ).all()
        following = _following_of(
            session, pair.id, [(r.id, r.created_at) for r in rows if r.meeting_id is None]
        )
        for row_id, meeting_id, _ in rows:
            meeting_id = meeting_id or following.get(row_id)
            if meeting_id is not None:  # None: made when no meeting followed (the series had ended)
                ids.add(row_id)
                found.meeting_ids.add(meeting_id)
    return found


def _visible_topic(viewer_id: int) -> ColumnElement[bool]:
    return or_(Topic.visibility == Visibility.SHARED, Topic.author_id == viewer_id)


def _also(condition: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if condition is None else [condition]


def _following_of(session: Session, pair_id: int, rows: list[tuple[int, datetime]]) -> dict[int, int]:
    """For rows (id, made at) of the pair made while no meeting was scheduled, the first meeting after each
    was made (cancelled ones aside); a row no meeting followed is left out."""
    if not rows:
        return {}
    meetings = session.execute(
        select(Meeting.id, Meeting.starts_at)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.starts_at >= min(made for _, made in rows),
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    starts = [starts_at for _, starts_at in meetings]
    following = {row_id: bisect_left(starts, made) for row_id, made in rows}
    return {row_id: meetings[at].id for row_id, at in following.items() if at < len(meetings)}


def _attached(
    session: Session,
    model: Any,
    pair_id: int,
    meetings: Sequence[Meeting],
    visible: ColumnElement[bool] | None = None,
) -> Sequence[tuple[Any, int]]:
    """The rows of these meetings (see the module's docstring for those made between meetings), by id."""
    if not meetings:
        return []
    ids = {meeting.id for meeting in meetings}
    mine = [model.pair_id == pair_id, *_also(visible)]
    placed = session.scalars(select(model).where(*mine, model.meeting_id.in_(ids))).all()
    # Rows made between meetings: only those made since the meeting before the oldest of these can be theirs.
    before = session.scalar(
        select(func.max(Meeting.starts_at)).where(
            Meeting.pair_id == pair_id,
            Meeting.starts_at < min(meeting.starts_at for meeting in meetings),
            Meeting.status != MeetingStatus.CANCELLED,
        )
    )
    window = [model.created_at <= max(meeting.starts_at for meeting in meetings)]
    if before is not None:
        window.append(model.created_at > before)
    loose = session.scalars(select(model).where(*mine, model.meeting_id.is_(None), *window)).all()
    following = _following_of(session, pair_id, [(row.id, row.created_at) for row in loose])
    rows = [(row, row.meeting_id) for row in placed]
    rows += [(row, following[row.id]) for row in loose if following.get(row.id) in ids]
    return sorted(rows, key=lambda found: found[0].id)
