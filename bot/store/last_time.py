"""Reads behind "last time" and the status-only nudge: the pair's previous held meeting and what it left,
the report's topics, and which questions the pair has seen or retired. Private notes are never read here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.meetings import MeetingStatus
from bot.store.models import ActionItem, Meeting, QuestionShown, Summary, Topic


def previous_held(session: Session, pair_id: int, before: Meeting | None, now: datetime) -> Meeting | None:
    """The pair's latest meeting that was held and has a summary, before `before` (or up to now).

    Bounded and ordered by the end, so it reads the pair's own meetings newest first from
    ix_meeting_pair_id_status_ends_at (by the start, SQLite read every pair's held meetings instead).
    """
    query = select(Meeting).where(
        Meeting.pair_id == pair_id,
        Meeting.status == MeetingStatus.HELD,
        select(Summary.id).where(Summary.meeting_id == Meeting.id).exists(),
    )
    if before is not None:
        query = query.where(
            Meeting.ends_at <= before.ends_at, Meeting.starts_at < before.starts_at, Meeting.id != before.id
        )
    else:
        query = query.where(Meeting.ends_at <= now)
    return session.scalar(query.order_by(Meeting.ends_at.desc(), Meeting.id.desc()).limit(1))


def key_points(session: Session, meeting_id: int) -> Sequence[str]:
    """Each summary's key points, in the order they were written (a second summary adds to the first)."""
    return session.scalars(
        select(Summary.key_points).where(Summary.meeting_id == meeting_id).order_by(Summary.id)
    ).all()


def done_since(session: Session, pair_id: int, since: datetime) -> Sequence[str]:
    """The pair's action items closed since `since`, in the order they were closed."""
    return session.scalars(
        select(ActionItem.text)
        .where(ActionItem.pair_id == pair_id, ActionItem.done_at >= since)
        .order_by(ActionItem.done_at, ActionItem.id)
    ).all()


def not_covered(session: Session, meeting_id: int, viewer_id: int) -> Sequence[str]:
    """The meeting's topics still open (they carry over), as the viewer may see them: shared ones and their
    own; another's concern that is still held back stays out."""
    return session.scalars(
        select(Topic.text)
        .where(
            Topic.meeting_id == meeting_id,
            Topic.status == TopicStatus.OPEN,
            or_(Topic.author_id == viewer_id, (Topic.visibility == Visibility.SHARED) & ~Topic.held_back),
        )
        .order_by(Topic.id)
    ).all()


def question_history(session: Session, pair_id: int) -> Sequence[str]:
    """The question keys shown to the pair, oldest first."""
    return session.scalars(
        select(QuestionShown.question_key)
        .where(QuestionShown.pair_id == pair_id)
        .order_by(QuestionShown.shown_at, QuestionShown.id)
    ).all()
