"""Hand over (issue 15, part 3): a manager asks to move a report's 1:1 history to the report's new manager;
the report confirms or declines.

Confirming, in one transaction: the old series ends (its meetings still ahead are cancelled), the pair of the
report and the new manager is made with the new manager leading, the shared history moves to it
(bot/store/handoff.py says exactly what), and all three are told. Declining tells the old manager and
changes nothing else. A request is the report's alone to answer, and only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.errors import DomainError
from bot.domain.outbox import MessageKind, outbox_key
from bot.services.pairs import Actor, resolve_pair
from bot.store import handoff as handoff_store
from bot.store import outbox, people
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import HandoffRequest, Pair, Person

NOT_YOURS = "That 1:1 isn't one of yours."

# Who a HANDOFF_DONE message is for: each is told in their own words.
OLD_MANAGER, REPORT, NEW_MANAGER, DECLINED = "old_manager", "report", "new_manager", "declined"


@dataclass(frozen=True)
class HandoffAsked:
    report_user_id: str
    new_manager_user_id: str
    replaced: bool  # a request still waiting for this 1:1 was withdrawn for this one


@dataclass(frozen=True)
class HandoffAnswered:
    old_manager_user_id: str
    new_manager_user_id: str
    accepted: bool


def request_handoff(
    sessions: SessionFactory, now: datetime, actor: Actor, report_user_id: str, new_manager_user_id: str
) -> HandoffAsked:
    """`/1on1 handoff @report to @new-manager`: store the request and ask the report. The caller checked
    with Slack that the new manager is a person (not a bot, not deactivated)."""
    if new_manager_user_id == actor.user_id:
        raise DomainError(
            "You already lead your 1:1 with {}: name their new manager after `to`.", report_user_id
        )
    if new_manager_user_id == report_user_id:
        raise DomainError(
            "{} can't take over their own 1:1: name their new manager after `to`.", report_user_id
        )
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, report_user_id, create=False)
        report = pair.other(me.id)
        _refuse_unless_leader(pair, me, report)
        _refuse_gone(report, "their 1:1 history can't be handed over")
        new_manager = people.person(session, me.workspace_id, new_manager_user_id, now)
        _refuse_gone(new_manager, "they can't take over a 1:1")
        _refuse_existing(session, report, new_manager)
        waiting = handoff_store.waiting_request(session, pair.id)
        if waiting is not None:
            waiting.decided_at = now  # withdrawn: `accepted` stays None; its buttons say it was replaced
        request = handoff_store.add_request(session, pair.id, new_manager.id, me.id, now)
        kind = MessageKind.HANDOFF_ASKED
        outbox.enqueue(
            session,
            key=outbox_key(kind, request.id),
            kind=kind,
            now=now,
            recipient_id=report.id,
            params={"request_id": request.id},
        )
        return HandoffAsked(report.slack_user_id, new_manager_user_id, replaced=waiting is not None)


def confirm(sessions: SessionFactory, now: datetime, actor: Actor, request_id: int) -> HandoffAnswered:
    """*Move my 1:1 history*: the report agrees, and the history moves (see the module's docstring)."""
    with sessions.begin() as session:
        request, old_pair, report = _own_request(session, actor, request_id)
        old_manager = _person(session, request.requested_by_id)
        new_manager = _person(session, request.new_manager_id)
        _refuse_decided(request, old_manager, new_manager)
        if old_pair.manager_id != old_manager.id:
            raise DomainError(
                "{} no longer leads your 1:1, so this request no longer stands: nothing moved.",
                old_manager.slack_user_id,
            )
        _refuse_gone(new_manager, "they can't take over your 1:1; nothing moved")
        _refuse_existing(session, report, new_manager)
        new_pair, _ = people.pair(session, report, new_manager, now)
        new_pair.manager_id = new_manager.id
        _end_series(session, old_pair.id, now)
        moved = handoff_store.move_history(
            session,
            old_pair.id,
            new_pair.id,
            report_id=report.id,
            old_manager_id=old_manager.id,
            new_manager_id=new_manager.id,
            now=now,
        )
        request.decided_at, request.accepted = now, True
        counts = {
            "meetings": moved.meetings,
            "open_actions": moved.open_actions,
            "taken_over": moved.taken_over,
        }
        for role, recipient in ((OLD_MANAGER, old_manager), (REPORT, report), (NEW_MANAGER, new_manager)):
            _tell(session, request, role, recipient, now, counts)
        return HandoffAnswered(old_manager.slack_user_id, new_manager.slack_user_id, accepted=True)


def decline(sessions: SessionFactory, now: datetime, actor: Actor, request_id: int) -> HandoffAnswered:
    """*Not now*: nothing moves; the old manager is told."""
    with sessions.begin() as session:
        request, _, _ = _own_request(session, actor, request_id)
        old_manager = _person(session, request.requested_by_id)
        new_manager = _person(session, request.new_manager_id)
        _refuse_decided(request, old_manager, new_manager)
        request.decided_at, request.accepted = now, False
        _tell(session, request, DECLINED, old_manager, now, {})
        return HandoffAnswered(old_manager.slack_user_id, new_manager.slack_user_id, accepted=False)


def _own_request(session: Session, actor: Actor, request_id: int) -> tuple[HandoffRequest, Pair, Person]:
    """The request, its pair and its report, if the actor is that report; one answer for everyone else and
    for ids that point nowhere."""
    request = session.get(HandoffRequest, request_id, with_for_update=True)
    pair = session.get(Pair, request.pair_id) if request else None
    me = people.find_person(session, actor.team_id, actor.user_id)
    report = pair.other(request.requested_by_id) if request and pair else None
    if request is None or report is None or me is None or me.id != report.id:
        raise DomainError(NOT_YOURS)
    return request, pair, report  # type: ignore[return-value]


def _refuse_decided(request: HandoffRequest, old_manager: Person, new_manager: Person) -> None:
    """A request is answered once; a second click (or a replay) changes nothing and says where things are."""
    if request.decided_at is None:
        return
    if request.accepted:
        raise DomainError("Done already: your 1:1 history is with {} now.", new_manager.slack_user_id)
    if request.accepted is False:
        raise DomainError(
            "You said not now to this already: your 1:1 history stays with {}.", old_manager.slack_user_id
        )
    raise DomainError(
        "{} replaced this request with a newer one: answer that one instead.", old_manager.slack_user_id
    )


def _refuse_unless_leader(pair: Pair, me: Person, report: Person) -> None:
    if pair.manager_id == me.id:
        return
    if pair.manager_id == report.id:
        raise DomainError(
            "{} leads your 1:1, so it isn't yours to hand over: only the person who leads a 1:1 can.",
            report.slack_user_id,
        )
    raise DomainError("Only the person who leads a 1:1 can hand it over.")


def _refuse_gone(person: Person, what: str) -> None:
    if person.erased_at is not None:
        raise DomainError(f"That person deleted their data, so {what}.")
    if person.deactivated_at is not None:
        raise DomainError(f"{{}} has a deactivated account, so {what}.", person.slack_user_id)


def _refuse_existing(session: Session, report: Person, new_manager: Person) -> None:
    """Two histories don't merge into one (out of scope): a report who already meets the new manager keeps
    both 1:1s as they are."""
    if people.pair_of(session, report, new_manager, real_only=True) is not None:
        raise DomainError(
            "{} already has a 1:1 with {}, and two 1:1 histories can't be merged into one: nothing was "
            "handed over. End that 1:1 first (`/1on1 cancel`) if it should carry on as this one.",
            new_manager.slack_user_id,
            report.slack_user_id,
        )


def _end_series(session: Session, pair_id: int, now: datetime) -> None:
    series = series_store.active_series(session, pair_id)
    if series is not None:
        series.active, series.ended_at = False, now
        series_store.cancel_future_meetings(session, series.id, now)


def _tell(
    session: Session,
    request: HandoffRequest,
    role: str,
    recipient: Person,
    now: datetime,
    counts: dict[str, int],
) -> None:
    kind = MessageKind.HANDOFF_DONE
    outbox.enqueue(
        session,
        key=outbox_key(kind, request.id, role),
        kind=kind,
        now=now,
        recipient_id=recipient.id,
        params={"request_id": request.id, "role": role, **counts},
    )


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:  # a person row is deleted only with its workspace, which takes the request along
        raise DomainError(NOT_YOURS)
    return person
