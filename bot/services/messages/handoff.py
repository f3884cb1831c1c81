"""Loaders of the hand-over's messages (issue 15, part 3): the report's question, and what each of the three
is told once it is answered. The outbox row holds ids and counts only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import HandoffRequest, OutboxMessage, Pair, Person


@dataclass(frozen=True)
class HandoffAsked:
    request_id: int
    old_manager_user_id: str
    new_manager_user_id: str


@dataclass(frozen=True)
class HandoffDone:
    role: str  # bot/services/handoff.py: OLD_MANAGER, REPORT, NEW_MANAGER, or DECLINED (to the old manager)
    old_manager_user_id: str
    report_user_id: str
    new_manager_user_id: str
    meetings: int  # past meetings moved
    open_actions: int
    taken_over: int  # open action items the old manager owned, now the new manager's


def load_handoff_asked(session: Session, row: OutboxMessage, now: datetime) -> HandoffAsked | None:
    people = _people_of(session, row)
    if people is None:
        return None
    request, old_manager, _, new_manager = people
    if request.decided_at is not None:
        return None  # replaced (or answered) before it could be sent: nothing left to ask
    return HandoffAsked(request.id, old_manager.slack_user_id, new_manager.slack_user_id)


def load_handoff_done(session: Session, row: OutboxMessage, now: datetime) -> HandoffDone | None:
    people = _people_of(session, row)
    if people is None:
        return None
    _, old_manager, report, new_manager = people
    return HandoffDone(
        role=row.params["role"],
        old_manager_user_id=old_manager.slack_user_id,
        report_user_id=report.slack_user_id,
        new_manager_user_id=new_manager.slack_user_id,
        meetings=int(row.params.get("meetings", 0)),
        open_actions=int(row.params.get("open_actions", 0)),
        taken_over=int(row.params.get("taken_over", 0)),
    )


def _people_of(session: Session, row: OutboxMessage) -> tuple[HandoffRequest, Person, Person, Person] | None:
    """The request and its three people (old manager, report, new manager); None once any is gone."""
    request = session.get(HandoffRequest, row.params["request_id"])
    pair = session.get(Pair, request.pair_id) if request else None
    old_manager = session.get(Person, request.requested_by_id) if request else None
    new_manager = session.get(Person, request.new_manager_id) if request else None
    if request is None or pair is None or old_manager is None or new_manager is None:
        return None
    return request, old_manager, pair.other(old_manager.id), new_manager
