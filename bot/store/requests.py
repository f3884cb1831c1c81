"""Which Slack requests are being or were handled (for at-least-once delivery from Slack).

A request is claimed before it is handled: one INSERT that only one delivery of it can win, so a retry
that arrives while the first delivery is still running is not handled twice. While it is handled
(`handling`), every transaction that commits also marks the claim done, in that same transaction: a
request whose writes were stored is never handled again, and one whose writes failed is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from bot.store.inserts import dialect_insert
from bot.store.models import SlackRequest

# A claim this old that never finished belongs to a process that died mid-request; a retry takes it over.
# Handling (the part before the ack) takes milliseconds, and Slack gives up on an answer after 3 seconds.
ABANDONED_AFTER = timedelta(seconds=30)


class Claim(enum.Enum):
    MINE = "mine"  # handle it
    DONE = "done"  # handled before: answer without doing it again
    IN_FLIGHT = "in flight"  # another delivery of it is being handled right now


def claim(session: Session, key: str, now: datetime) -> Claim:
    """Claim `key` for this delivery, unless another one has (or had) it."""
    insert = dialect_insert(session)
    statement = (
        insert(SlackRequest)
        .values(key=key, handled_at=now, done=False)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(SlackRequest.key)  # a row only when inserted (rowcount is no guide through the ORM)
    )
    row = None
    for _ in range(2):  # the holder may release its claim between our insert and our read
        if session.execute(statement).first() is not None:
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
        .values(handled_at=now)
        .returning(SlackRequest.key)
    )
    return Claim.MINE if taken.first() is not None else Claim.IN_FLIGHT


@dataclass
class _Handling:
    key: str
    stored: bool = False  # a transaction of the request committed, and marked the claim done with it


_handling: ContextVar[_Handling | None] = ContextVar("slack_request_handling", default=None)


@contextmanager
def handling(key: str) -> Iterator[Callable[[], bool]]:
    """While the claimed request `key` is handled here: yields whether any of its writes were stored."""
    state = _Handling(key)
    token = _handling.set(state)
    try:
        yield lambda: state.stored
    finally:
        _handling.reset(token)


@event.listens_for(Session, "before_commit")
def _done_with_its_writes(session: Session) -> None:
    state = _handling.get()
    if state is not None:
        finish(session, state.key)
        state.stored = True


def finish(session: Session, key: str) -> None:
    """The claimed request was handled: its redeliveries are answered without doing it again."""
    session.execute(update(SlackRequest).where(SlackRequest.key == key).values(done=True))


def release(session: Session, key: str) -> None:
    """The claimed request failed: Slack's next retry of it is handled afresh."""
    session.execute(delete(SlackRequest).where(SlackRequest.key == key, SlackRequest.done.is_(False)))


def forget_before(session: Session, before: datetime) -> int:
    return session.execute(delete(SlackRequest).where(SlackRequest.handled_at < before)).rowcount
