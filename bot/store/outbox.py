"""Queries for the outbox: enqueue idempotently by key, claim what is due, find a sent message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.outbox import DeliveryStatus
from bot.store.inserts import insert_ignoring_conflicts
from bot.store.models import OutboxMessage

# What `enqueue_many` accepts per row: `enqueue`'s keyword arguments.
_REQUIRED = ("key", "kind", "now")
_OPTIONAL = ("recipient_id", "channel_id", "thread_ts", "params", "meeting_id")
_TIMING = ("not_before",)  # not a column: when the row may first be sent (next_attempt_at)


# Whether the work running in this thread queued a message since `watching` began: the Slack rim
# kicks the deliverer once for a request that did, instead of every listener remembering to.
_queued: ContextVar[bool] = ContextVar("outbox_queued", default=False)


@contextmanager
def watching() -> Iterator[Callable[[], bool]]:
    """Within the block, the returned function says whether anything was queued (by this thread)."""
    token = _queued.set(False)
    try:
        yield _queued.get
    finally:
        _queued.reset(token)


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    now: datetime,
    recipient_id: int | None = None,
    channel_id: str | None = None,
    thread_ts: str | None = None,
    params: dict[str, Any] | None = None,
    meeting_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message; False (and nothing changed) when a message with this key already exists.

    It goes out from `not_before` (default `now`): e.g. a person's prompt waits for their own lead time.
    """
    row = {
        "key": key,
        "kind": kind,
        "now": now,
        "recipient_id": recipient_id,
        "channel_id": channel_id,
        "thread_ts": thread_ts,
        "params": params,
        "meeting_id": meeting_id,
        "not_before": not_before,
    }
    return enqueue_many(session, [row]) == 1


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many messages (each a dict of `enqueue`'s keyword arguments); returns how many were new.

    A duplicate key is a no-op instead of an error that would abort the caller's transaction.
    """
    values = [_values(row) for row in rows]
    inserted = len(insert_ignoring_conflicts(session, OutboxMessage.__table__, values, ["key"]))
    if inserted:
        _queued.set(True)
    return inserted


def claim_due(session: Session, now: datetime, *, limit: int, lease: timedelta, after: int = 0) -> list[int]:
    """Hold up to `limit` due messages (oldest first, newer than the row `after`) until now + lease; returns
    their ids.

    On PostgreSQL, SKIP LOCKED lets two claimers take disjoint rows without waiting on each other;
    SQLite ignores FOR UPDATE, but its BEGIN IMMEDIATE (see db.py) already runs claimers one at a time.
    """
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == DeliveryStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.id > after,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    return ids


def release(session: Session, ids: Iterable[int], claimed_until: datetime) -> None:
    """Give back claims still held under `claimed_until` (the claimer's lease), leaving the schedule alone."""
    ids = list(ids)
    if not ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == DeliveryStatus.PENDING,
            OutboxMessage.claimed_until == claimed_until,
        )
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def renew(session: Session, ids: Iterable[int], claimed_until: datetime, until: datetime) -> list[int]:
    """Hold the claims still held under `claimed_until` until `until` instead; the ids renewed.

    Fenced as every step of a claim is: a row whose claim ran out and was taken by another sender is left
    alone (and not returned).
    """
    ids = list(ids)
    if not ids:
        return []
    held = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status == DeliveryStatus.PENDING,
                OutboxMessage.claimed_until == claimed_until,
            )
            .with_for_update()
        )
    )
    if held:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(held))
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    return held


def find_sent(session: Session, channel_id: str, ts: str) -> OutboxMessage | None:
    """The delivered message posted as (channel_id, ts), e.g. the prompt a thread reply answers."""
    return session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_channel_id == channel_id,
            OutboxMessage.sent_ts == ts,
            OutboxMessage.status == DeliveryStatus.SENT,
        )
        .limit(1)
    )


def _values(row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - {*_REQUIRED, *_OPTIONAL, *_TIMING}
    missing = [name for name in _REQUIRED if row.get(name) is None]
    if unknown or missing:
        raise ValueError(f"outbox row: unknown {sorted(unknown)}, missing {missing}")
    params = row.get("params") or {}
    addressed = ("group", "update_of", "thread_of")
    if (
        row.get("recipient_id") is None
        and row.get("channel_id") is None
        and not any(k in params for k in addressed)
    ):
        raise ValueError(
            f"outbox row {row['key']!r} needs a recipient, a channel, a group or a message to follow"
        )
    now = row["now"]
    # Every row carries every column: a multi-row INSERT needs the same keys in each.
    return {
        **{name: row.get(name) for name in _OPTIONAL},
        "key": row["key"],
        "kind": row["kind"],
        "params": row.get("params") or {},
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": row.get("not_before") or now,
        "created_at": now,
    }


def count_by_status(session: Session) -> dict[DeliveryStatus, int]:
    """How many rows the outbox holds in each status (/metrics' outbox depth): one GROUP BY."""
    by_status = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: count for status, count in session.execute(by_status)}
