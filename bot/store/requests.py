"""Which Slack requests are being or were handled (for at-least-once delivery from Slack).

Two ways to claim a request, and either way a retry has one effect:

* Ahead (events, clicks, submissions): `claim` before handling it, one INSERT only one delivery can win, so
  a retry that arrives while the first delivery is still running is turned away. While it is handled
  (`handling(key)`), the transaction that commits its writes also marks the claim done (`finish`): a
  request whose writes were stored is never handled again, and one whose writes failed is (`release`).
* With its writes (slash commands; `handling(key, claim_at=now)`): no statement before the work. The
  request's first committing transaction inserts its claim, already done, as its last statement
  (`claim_done`): one transaction and one statement for the record. A request that writes nothing leaves
  no record (repeating a read is harmless). A delivery that finds the key taken raises `AlreadyHandled`,
  which undoes its transaction; on PostgreSQL one arriving while the first is still running waits on the
  key until the first commits (then it is a duplicate) or rolls back (then it is the one that stores).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Executable, bindparam, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from bot.store.models import SlackRequest

# A claim this old that never finished belongs to a process that died mid-request; a retry takes it over.
# Handling (the part before the ack) takes milliseconds, and Slack gives up on an answer after 3 seconds.
ABANDONED_AFTER = timedelta(seconds=30)


class Claim(enum.Enum):
    MINE = "mine"  # handle it
    DONE = "done"  # handled before: answer without doing it again
    IN_FLIGHT = "in flight"  # another delivery of it is being handled right now


class AlreadyHandled(Exception):
    """Raised by the commit that would claim a request another delivery of it holds (or held): that
    transaction is undone, and the delivery is answered as a retry (`claim` says how)."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(f"the request is {claim.value}")
        self.claim = claim


def claim(session: Session, key: str, now: datetime) -> Claim:
    """Claim `key` for this delivery, unless another one has (or had) it."""
    return _claim(session, key, now, done=False)


def claim_done(session: Session, key: str, now: datetime) -> Claim:
    """Claim `key` and mark it done at once, in the transaction that stores the request's writes."""
    return _claim(session, key, now, done=True)


def _claim(session: Session, key: str, now: datetime, *, done: bool) -> Claim:
    values = {"key": key, "handled_at": now, "done": done}
    row = None
    for _ in range(2):  # the holder may release its claim between our insert and our read
        # Core on the session's connection (same transaction): the ORM's execute costs more than the insert.
        if session.connection().execute(_insert_claim(session), values).first() is not None:
            return Claim.MINE
        row = session.execute(
            select(SlackRequest.done, SlackRequest.handled_at).where(SlackRequest.key == key)
        ).one_or_none()
        if row is not None:
            break
    if row is None:
        return Claim.IN_FLIGHT  # claimed and released twice in a blink: let Slack's next retry decide
    if row.done:
        return Claim.DONE
    if row.handled_at > now - ABANDONED_AFTER:
        return Claim.IN_FLIGHT
    taken = session.execute(
        update(SlackRequest)
        .where(
            SlackRequest.key == key, SlackRequest.handled_at == row.handled_at, SlackRequest.done.is_(False)
        )
        .values(handled_at=now, done=done)
        .returning(SlackRequest.key)
    )
    return Claim.MINE if taken.first() is not None else Claim.IN_FLIGHT


def _insert_claim(session: Session) -> Executable:
    """The claim's INSERT … ON CONFLICT DO NOTHING RETURNING, built once per database: on the request path
    building it each time cost more than running it."""
    return _CLAIM_INSERTS[session.get_bind().dialect.name]


def _claim_insert(dialect: str) -> Executable:
    table = SlackRequest.__table__
    return (
        (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        .values(key=bindparam("key"), handled_at=bindparam("handled_at"), done=bindparam("done"))
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.key)  # a row only when inserted
    )


_CLAIM_INSERTS = {dialect: _claim_insert(dialect) for dialect in ("postgresql", "sqlite")}


@dataclass
class Handling:
    """The request being handled in this context, and what became of its claim."""

    key: str
    claim_at: datetime | None  # None: claimed ahead; else claimed with its first write, at this time
    stored: bool = False  # a transaction of the request committed, and claimed or finished it with it
    turned_away: Claim | None = None  # another delivery had it (with its writes): this one stored nothing


_handling: ContextVar[Handling | None] = ContextVar("slack_request_handling", default=None)
_MARKED = "slack_request_marked"  # session.info: the Handling this transaction claimed or finished


@contextmanager
def handling(key: str, *, claim_at: datetime | None = None) -> Iterator[Handling]:
    """While the request `key` is handled here (claimed ahead, or with its writes when `claim_at`)."""
    state = Handling(key, claim_at)
    token = _handling.set(state)
    try:
        yield state
    finally:
        _handling.reset(token)


def claim_now(session: Session) -> None:
    """Claim the request being handled (with its writes) in this transaction, for work that goes on after
    the acknowledgement; AlreadyHandled if another delivery has it. Nothing to do for any other request."""
    _mark(session)


@event.listens_for(Session, "before_commit")
def _done_with_its_writes(session: Session) -> None:
    _mark(session)


def _mark(session: Session) -> None:
    state = _handling.get()
    # A savepoint's commit is not the transaction's: the outer commit marks (or its rollback undoes all).
    if state is None or state.stored or _MARKED in session.info or session.in_nested_transaction():
        return
    if state.claim_at is None:
        finish(session, state.key)
    else:
        verdict = claim_done(session, state.key, state.claim_at)
        if verdict is not Claim.MINE:
            state.turned_away = verdict
            raise AlreadyHandled(verdict)
    session.info[_MARKED] = state


@event.listens_for(Session, "after_commit")
def _stored(session: Session) -> None:
    state = session.info.pop(_MARKED, None)
    if state is not None:
        state.stored = True


@event.listens_for(Session, "after_transaction_end")
def _not_stored(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back (a commit took it already)
        session.info.pop(_MARKED, None)


def finish(session: Session, key: str) -> None:
    """The claimed request was handled: its redeliveries are answered without doing it again."""
    session.execute(update(SlackRequest).where(SlackRequest.key == key).values(done=True))


def release(session: Session, key: str) -> None:
    """The claimed request failed: Slack's next retry of it is handled afresh."""
    session.execute(delete(SlackRequest).where(SlackRequest.key == key, SlackRequest.done.is_(False)))


def forget_before(session: Session, before: datetime) -> int:
    return session.execute(delete(SlackRequest).where(SlackRequest.handled_at < before)).rowcount
