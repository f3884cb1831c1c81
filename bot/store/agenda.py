"""Queries behind an agenda: topics, carried-over topics and open action items of a pair."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus, Visibility
from bot.store.models import ActionItem, Meeting, Note, PendingTopic, Summary, Topic


def _visible_open_topics(pair_id: int, viewer_id: int) -> Select[tuple[Topic]]:
    return select(Topic).where(
        Topic.pair_id == pair_id,
        Topic.status == TopicStatus.OPEN,
        or_(Topic.visibility == Visibility.SHARED, Topic.author_id == viewer_id),
    )


def topics_for(session: Session, pair_id: int, meeting: Meeting | None, viewer_id: int) -> Sequence[Topic]:
    """Topics on this meeting's agenda, plus ones added before any meeting was scheduled."""
    query = _visible_open_topics(pair_id, viewer_id)
    on_this = (
        Topic.meeting_id.is_(None)
        if meeting is None
        else or_(Topic.meeting_id == meeting.id, Topic.meeting_id.is_(None))
    )
    return session.scalars(query.where(on_this).order_by(Topic.id)).all()


def carried_over(session: Session, pair_id: int, meeting: Meeting | None, viewer_id: int) -> Sequence[Topic]:
    """Open topics of earlier meetings of the pair: not covered, so they come along."""
    query = _visible_open_topics(pair_id, viewer_id).join(Meeting, Meeting.id == Topic.meeting_id)
    if meeting is not None:
        query = query.where(Meeting.id != meeting.id, Meeting.starts_at < meeting.starts_at)
    return session.scalars(query.order_by(Meeting.starts_at, Topic.id)).all()


def open_actions(session: Session, pair_id: int) -> Sequence[ActionItem]:
    return session.scalars(
        select(ActionItem)
        .where(ActionItem.pair_id == pair_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
    ).all()


def own_notes(session: Session, pair_id: int, author_id: int, limit: int = 5) -> Sequence[str]:
    """The author's own private notes for the pair, newest first; nobody else's."""
    return session.scalars(
        select(Note.text)
        .where(Note.pair_id == pair_id, Note.author_id == author_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit)
    ).all()


def add_action_item(
    session: Session,
    *,
    pair_id: int,
    owner_id: int,
    created_by_id: int,
    text: str,
    due: date | None,
    now: datetime,
    meeting_id: int | None = None,
) -> ActionItem:
    """A new open action item of the pair (from `add-action`, or from a meeting's summary), with its id."""
    item = ActionItem(
        pair_id=pair_id,
        meeting_id=meeting_id,
        owner_id=owner_id,
        created_by_id=created_by_id,
        text=text,
        due_date=due,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def source_taken(session: Session, source: str) -> bool:
    """Whether a topic (placed or pending) already came from this submission or message."""
    return (
        session.scalar(select(Topic.id).where(Topic.source == source)) is not None
        or session.scalar(select(PendingTopic.id).where(PendingTopic.source == source)) is not None
    )


def cover_topics(session: Session, pair_id: int, topic_ids: list[int]) -> None:
    """Mark these topics covered: only the pair's own (a crafted id of another pair's changes nothing)."""
    if topic_ids:
        session.execute(
            update(Topic)
            .where(Topic.id.in_(topic_ids), Topic.pair_id == pair_id)
            .values(status=TopicStatus.COVERED)
            .execution_options(synchronize_session=False)
        )


def summary_from(session: Session, source: str) -> int | None:
    """The summary a submission already stored, if it was delivered before."""
    return session.scalar(select(Summary.id).where(Summary.source == source))


def meeting_record(
    session: Session, meeting_id: int
) -> tuple[Sequence[Summary], Sequence[ActionItem], Sequence[str]]:
    """What was recorded of a meeting: its summaries, its action items, the texts of the topics covered."""
    summaries = session.scalars(select(Summary).where(Summary.meeting_id == meeting_id).order_by(Summary.id))
    actions = session.scalars(
        select(ActionItem).where(ActionItem.meeting_id == meeting_id).order_by(ActionItem.id)
    )
    covered = session.scalars(
        select(Topic.text)
        .where(Topic.meeting_id == meeting_id, Topic.status == TopicStatus.COVERED)
        .order_by(Topic.id)
    )
    return summaries.all(), actions.all(), covered.all()
