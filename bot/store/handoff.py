"""Persistence of a hand-over (issue 15, part 3): the waiting request, and moving a report's shared history
from the old pair to the new one in the caller's transaction.

What moves: the meetings that have begun (their summaries and template outcomes follow by meeting id), their
pulse checks, every action item (an open one the old manager owned passes to the new manager), the report's
own topics and private notes, and the old manager's shared topics already settled in a moved meeting (the
record of it). What stays with the old manager on the old pair: their private notes, their private topics
and their own topics still open (points they meant to raise; nobody else would raise them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus, Visibility
from bot.store.models import ActionItem, HandoffRequest, Meeting, Note, PulseCheck, Topic


@dataclass(frozen=True)
class Moved:
    """How much moved (counts only: a message says them, and logs may)."""

    meetings: int
    open_actions: int
    taken_over: int  # of those, the old manager's, now the new manager's


def waiting_request(session: Session, pair_id: int) -> HandoffRequest | None:
    """The pair's request still waiting for the report's answer, locked."""
    return session.scalar(
        select(HandoffRequest)
        .where(HandoffRequest.pair_id == pair_id, HandoffRequest.decided_at.is_(None))
        .order_by(HandoffRequest.id.desc())
        .limit(1)
        .with_for_update()
    )


def add_request(
    session: Session, pair_id: int, new_manager_id: int, requested_by_id: int, now: datetime
) -> HandoffRequest:
    request = HandoffRequest(
        pair_id=pair_id, new_manager_id=new_manager_id, requested_by_id=requested_by_id, created_at=now
    )
    session.add(request)
    session.flush()
    return request


def move_history(
    session: Session,
    old_pair_id: int,
    new_pair_id: int,
    *,
    report_id: int,
    old_manager_id: int,
    new_manager_id: int,
    now: datetime,
) -> Moved:
    """Move the shared history (see the module's docstring); the old series must be ended first, so that
    only begun meetings are left to move and nothing new is made meanwhile."""
    past = list(
        session.scalars(select(Meeting.id).where(Meeting.pair_id == old_pair_id, Meeting.starts_at <= now))
    )
    # Rows on the old series' cancelled meetings become loose: they go to the new pair's next meeting.
    ahead = select(Meeting.id).where(Meeting.pair_id == old_pair_id, Meeting.starts_at > now)
    for model in (Topic, Note, ActionItem):
        _bulk(
            session, model, and_(model.pair_id == old_pair_id, model.meeting_id.in_(ahead)), meeting_id=None
        )
    _bulk(session, Meeting, Meeting.id.in_(past), pair_id=new_pair_id)
    _bulk(
        session,
        PulseCheck,
        and_(PulseCheck.pair_id == old_pair_id, PulseCheck.meeting_id.in_(past)),
        pair_id=new_pair_id,
    )
    settled_record = and_(
        Topic.visibility == Visibility.SHARED, Topic.status != TopicStatus.OPEN, Topic.meeting_id.in_(past)
    )
    _bulk(
        session,
        Topic,
        and_(Topic.pair_id == old_pair_id, or_(Topic.author_id == report_id, settled_record)),
        pair_id=new_pair_id,
    )
    _bulk(session, Note, and_(Note.pair_id == old_pair_id, Note.author_id == report_id), pair_id=new_pair_id)
    open_item = and_(ActionItem.pair_id == old_pair_id, ActionItem.done_at.is_(None))
    open_actions = _count(session, open_item)
    taken_over = _count(session, and_(open_item, ActionItem.owner_id == old_manager_id))
    # The old manager's open commitments to the report pass to whoever now leads the 1:1.
    _bulk(
        session, ActionItem, and_(open_item, ActionItem.owner_id == old_manager_id), owner_id=new_manager_id
    )
    _bulk(session, ActionItem, ActionItem.pair_id == old_pair_id, pair_id=new_pair_id)
    return Moved(meetings=len(past), open_actions=open_actions, taken_over=taken_over)


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(ActionItem).where(where)) or 0


def _bulk(session: Session, model: Any, where: ColumnElement[bool], **values: Any) -> None:
    session.execute(update(model).where(where).values(**values).execution_options(synchronize_session=False))
