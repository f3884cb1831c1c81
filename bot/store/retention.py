"""Queries for the retention of meeting content: what of the meetings that ended before a cut-off goes, and
deleting any table's rows a batch at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, select
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus
from bot.store.models import ActionItem, Meeting, Note, PulseCheck, Summary, TemplateOutcome, Topic


@dataclass(frozen=True)
class Content:
    """One table's rows of meetings that ended before a cut-off: `of(cutoff)` picks them."""

    table: str  # what the log calls them
    model: Any
    of: Callable[[datetime], ColumnElement[bool]]


def _ended_before(cutoff: datetime) -> Select[Any]:
    return select(Meeting.id).where(Meeting.ends_at < cutoff)


def _summaries(cutoff: datetime) -> ColumnElement[bool]:
    return Summary.meeting_id.in_(_ended_before(cutoff))


# What an old meeting held. The meeting rows stay (a date and a status, no words): the series' record of
# when the two met, which the history counts. Work still open stays too: a topic that carried over and
# an action item not done yet are not the past.
CONTENT: tuple[Content, ...] = (
    Content(
        "template outcomes",
        TemplateOutcome,
        lambda cutoff: TemplateOutcome.summary_id.in_(select(Summary.id).where(_summaries(cutoff))),
    ),
    Content("summaries", Summary, _summaries),
    Content(
        "topics",
        Topic,
        lambda cutoff: Topic.meeting_id.in_(_ended_before(cutoff)) & (Topic.status != TopicStatus.OPEN),
    ),
    Content("notes", Note, lambda cutoff: Note.meeting_id.in_(_ended_before(cutoff))),
    Content(
        "action items done",
        ActionItem,
        lambda cutoff: ActionItem.meeting_id.in_(_ended_before(cutoff)) & ActionItem.done_at.is_not(None),
    ),
    Content("pulse checks", PulseCheck, lambda cutoff: PulseCheck.meeting_id.in_(_ended_before(cutoff))),
)


def delete_some(session: Session, model: Any, where: ColumnElement[bool], limit: int) -> int:
    """Delete up to `limit` rows of `model` matching `where`, each by its own DELETE (so SQLite's search
    index triggers see every one); how many went."""
    ids = session.scalars(select(model.id).where(where).order_by(model.id).limit(limit)).all()
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))
    return len(ids)
