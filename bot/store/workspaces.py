"""Queries for workspaces that leave: pause (or resume) its series, drop what it had queued, tell a row's
workspace, and delete a left workspace's rows, table by table, a batch at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.outbox import DeliveryStatus
from bot.store import people
from bot.store.models import (
    ActionItem,
    BusyInterval,
    HandoffRequest,
    Meeting,
    Note,
    OutboxMessage,
    Pair,
    PendingTopic,
    Person,
    PulseCheck,
    QuestionRetired,
    QuestionShown,
    Series,
    Summary,
    TemplateOutcome,
    TimeAway,
    Topic,
    Workspace,
)
from bot.store.retention import delete_some

UNINSTALLED = "uninstalled"  # the outbox's reason for what a workspace that left had queued


def find(session: Session, team_id: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.slack_team_id == team_id).with_for_update())


def enterprise_of(session: Session, team_id: str) -> str | None:
    return session.scalar(select(Workspace.slack_enterprise_id).where(Workspace.slack_team_id == team_id))


def set_enterprise(session: Session, team_id: str, enterprise_id: str, now: datetime) -> None:
    """The workspace's Grid organisation; the workspace is recorded if it is new."""
    people.workspace(session, team_id, now).slack_enterprise_id = enterprise_id


def uninstalled_at(session: Session, team_id: str) -> datetime | None:
    return session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == team_id))


def left_before(session: Session, before: datetime) -> Sequence[int]:
    """Workspaces that left before `before`: their data is due for deletion."""
    query = select(Workspace.id).where(Workspace.uninstalled_at <= before).order_by(Workspace.id)
    return session.scalars(query).all()


def _people(workspace_id: int) -> Select[Any]:
    return select(Person.id).where(Person.workspace_id == workspace_id)


def _pairs(workspace_id: int) -> Select[Any]:
    return select(Pair.id).where(Pair.workspace_id == workspace_id)


def _meetings(workspace_id: int) -> Select[Any]:
    return select(Meeting.id).where(Meeting.pair_id.in_(_pairs(workspace_id)))


def _outbox_of(workspace_id: int) -> ColumnElement[bool]:
    """A message of the workspace: to one of its people, about one of its meetings (a group DM, a reply or
    an update of one), or posted straight to one of its people's DMs (by user id or DM channel id)."""
    return or_(
        OutboxMessage.recipient_id.in_(_people(workspace_id)),
        OutboxMessage.meeting_id.in_(_meetings(workspace_id)),
        OutboxMessage.channel_id.in_(select(Person.slack_user_id).where(Person.workspace_id == workspace_id)),
        OutboxMessage.channel_id.in_(select(Person.dm_channel_id).where(Person.workspace_id == workspace_id)),
    )


def pause_series(session: Session, workspace_id: int, at: datetime) -> int:
    """Pause its running series as of `at` (the clock queues nothing for a paused series); those already
    paused (someone deactivated) keep their own instant."""
    return session.execute(
        update(Series)
        .where(
            Series.pair_id.in_(_pairs(workspace_id)), Series.paused_at.is_(None), Series.ended_at.is_(None)
        )
        .values(paused_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount


def resume_series(session: Session, workspace_id: int, paused_at: datetime) -> int:
    """Resume the series paused when the workspace left (at exactly `paused_at`), unless one of the two is
    still deactivated."""
    gone = select(Person.id).where(Person.workspace_id == workspace_id, Person.deactivated_at.is_not(None))
    still_gone = select(Pair.id).where(or_(Pair.member_a_id.in_(gone), Pair.member_b_id.in_(gone)))
    return session.execute(
        update(Series)
        .where(
            Series.pair_id.in_(_pairs(workspace_id)),
            Series.paused_at == paused_at,
            Series.pair_id.not_in(still_gone),
        )
        .values(paused_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def drop_unsent(session: Session, workspace_id: int) -> int:
    """Every message of the workspace not yet sent: dropped, for good (nothing retried there)."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.PENDING, _outbox_of(workspace_id))
        .values(status=DeliveryStatus.DROPPED, last_error=UNINSTALLED, claimed_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def workspace_of(session: Session, row: OutboxMessage) -> int | None:
    """The workspace a message goes to, as far as its row tells; None when nothing does."""
    if row.recipient_id is not None:
        return session.scalar(select(Person.workspace_id).where(Person.id == row.recipient_id))
    if row.meeting_id is not None:
        query = select(Pair.workspace_id).join(Meeting, Meeting.pair_id == Pair.id)
        return session.scalar(query.where(Meeting.id == row.meeting_id))
    group = row.params.get("group") or []
    if group:
        return session.scalar(select(Person.workspace_id).where(Person.id == int(group[0])))
    target = row.params.get("update_of") or row.params.get("thread_of")
    if target is not None:
        followed = session.get(OutboxMessage, int(target))
        return workspace_of(session, followed) if followed is not None and followed.id != row.id else None
    if row.channel_id is not None:
        by_channel = or_(Person.slack_user_id == row.channel_id, Person.dm_channel_id == row.channel_id)
        return session.scalar(select(Person.workspace_id).where(by_channel).limit(1))
    return None


# ------------------------------------------------------------------------------------------------ deleting


@dataclass(frozen=True)
class Step:
    """One table's rows of a workspace: `of(workspace_id)` picks them."""

    table: str
    model: Any
    of: Callable[[int], ColumnElement[bool]]


def _by_pair(model: Any) -> Step:
    return Step(model.__tablename__, model, lambda w: model.pair_id.in_(_pairs(w)))


def _by_person(model: Any, column: str = "person_id") -> Step:
    return Step(model.__tablename__, model, lambda w: getattr(model, column).in_(_people(w)))


# Children before parents, so each batch deletes only its own table's rows (a cascade from a parent would
# take any number of rows in one statement); every text row goes by its own DELETE, which keeps SQLite's
# search index in step (migration 0015's triggers).
STEPS: tuple[Step, ...] = (
    Step("outbox", OutboxMessage, _outbox_of),
    Step(
        "template_outcome",
        TemplateOutcome,
        lambda w: TemplateOutcome.summary_id.in_(
            select(Summary.id).where(Summary.meeting_id.in_(_meetings(w)))
        ),
    ),
    _by_pair(PulseCheck),
    Step("summary", Summary, lambda w: Summary.meeting_id.in_(_meetings(w))),
    _by_pair(Note),
    _by_pair(ActionItem),
    _by_pair(Topic),
    _by_pair(QuestionShown),
    _by_pair(QuestionRetired),
    _by_pair(HandoffRequest),
    _by_pair(Meeting),
    _by_pair(Series),
    Step("pair", Pair, lambda w: Pair.workspace_id == w),
    _by_person(PendingTopic, "author_id"),
    _by_person(TimeAway),
    _by_person(BusyInterval),
    Step("person", Person, lambda w: Person.workspace_id == w),
    Step("workspace", Workspace, lambda w: Workspace.id == w),
)


def delete_batch(session: Session, step: Step, workspace_id: int, limit: int) -> int:
    """Delete up to `limit` of the workspace's rows of one table; how many went."""
    return delete_some(session, step.model, step.of(workspace_id), limit)
