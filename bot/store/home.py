"""The Home tab's outbox rows: one pending row per person at a time, and a session hook that queues it.

Coalescing: a person's pending HOME rows live under a few slot keys (`home:<person>:0` …), found by the
outbox's unique key index alone. A change queues a row only when none of the person's slots holds one not
yet claimed; a claimed row is being rendered and may miss the change, so the change takes the next slot.
Once delivered, dropped or failed, a row leaves its slot: it is written over the person's finished row of
that outcome (`home:<person>:sent|dropped|failed`), so the outbox keeps one finished HOME row of each kind
per person, and the sent one tells the deliverer when that person's Home was last published
(bot/delivery/claims.py paces them).

The hook: every transaction that commits a change a Home tab shows (a topic, an action item, a summary, a
series, a meeting's status or start, who leads, a person's settings) queues a HOME row for the pair's two
people, if they ever opened the tab, in that same transaction. Changes made by bulk Core statements are
not seen; the ones that matter come with an ORM change in the same transaction (see `_WATCHED`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import get_history, instance_state

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import DeliveryStatus, MessageKind, outbox_key
from bot.domain.pulse import Feeling
from bot.store import outbox
from bot.store.inserts import dialect_insert
from bot.store.models import (
    ActionItem,
    Meeting,
    OutboxMessage,
    Pair,
    Person,
    PulseCheck,
    Series,
    Summary,
    Topic,
)

# How many rows of one person may wait at once: one not yet claimed, the others being delivered by
# senders that claimed them (the web's and the clock's). More in flight at once take a one-off key.
SLOTS = 3
# The hook has no clock (it runs in whatever transaction commits, and tests travel in time), so its rows
# carry a fixed past instant: due at any `now` a deliverer runs at. When a row really goes is the
# pacing's decision (claims.py), from the person's last publish; created_at of such a row means "queued
# by a change", not when.
DUE_AT_ONCE = datetime(2000, 1, 1, tzinfo=UTC)

# What a Home tab shows, per model: the attributes whose change re-publishes it (a new or deleted row
# always does). Not the clock's bookkeeping (prompt_queued_at, followup_queued_at, nudges, offered
# slots, materialised_until), so its routine work over thousands of meetings publishes nothing.
_WATCHED: dict[type[Any], frozenset[str]] = {
    Topic: frozenset({"status", "meeting_id", "visibility", "text", "author_id", "held_back", "kind"}),
    ActionItem: frozenset({"done_at", "text", "due_date", "owner_id"}),
    Summary: frozenset(),
    Meeting: frozenset({"status", "starts_at"}),
    Series: frozenset(
        {"active", "cadence", "weekday", "local_time", "duration_minutes", "timezone", "paused_at"}
    ),
    Pair: frozenset({"manager_id"}),
    Person: frozenset(
        {
            "timezone",
            "work_days",
            "work_start",
            "work_end",
            "prompt_lead_minutes",
            "question_suggestions",
            "pulse_as_report",
            "pulse_as_manager",
        }
    ),
    PulseCheck: frozenset(feeling.value for feeling in Feeling),  # a tap: the trend both Home tabs show
}
_CHANGES = "home_changes"  # the session.info key of what this transaction changed so far


def slot_keys(person_id: int) -> list[str]:
    return [outbox_key(MessageKind.HOME, person_id, slot) for slot in range(SLOTS)]


def finished_key(person_id: int, status: DeliveryStatus) -> str:
    return outbox_key(MessageKind.HOME, person_id, status.value)


def republish(session: Session, person_ids: Iterable[int], now: datetime) -> int:
    """Queue a HOME row for each of these people who opened the Home tab and has none waiting unclaimed;
    returns how many were queued."""
    opened = list(
        session.scalars(
            select(Person.id)
            .where(Person.id.in_(sorted(set(person_ids))), Person.home_opened_at.is_not(None))
            .order_by(Person.id)
        )
    )
    if not opened:
        return 0
    keys = [key for person_id in opened for key in slot_keys(person_id)]
    # Locked (PostgreSQL) in key order: a sender claiming one of these rows meanwhile either waits for
    # this commit (SKIP LOCKED: it takes the row next time, with this change) or has claimed it first,
    # and then this change gets a row of its own.
    found = session.execute(
        select(OutboxMessage.key, OutboxMessage.claimed_until)
        .where(OutboxMessage.key.in_(keys))
        .order_by(OutboxMessage.key)
        .with_for_update()
    )
    claimed = {key: claimed_until for key, claimed_until in found}
    rows = []
    for person_id in opened:
        slots = slot_keys(person_id)
        waiting = [key for key in slots if key in claimed]
        if any(claimed[key] is None for key in waiting):
            continue  # a row not yet taken renders the state this change leaves
        free = next((key for key in slots if key not in claimed), None)
        rows.append(
            {
                "key": free or outbox_key(MessageKind.HOME, person_id, "extra", uuid.uuid4().hex),
                "kind": MessageKind.HOME,
                "now": now,
                "recipient_id": person_id,
            }
        )
    return outbox.enqueue_many(session, rows)


def settle(session: Session, row: OutboxMessage) -> None:
    """A HOME row's outcome is recorded: a final one leaves its slot for the person's finished row of that
    outcome (see the module doc), which keeps when and how it went."""
    if row.status == DeliveryStatus.PENDING or row.recipient_id is None:
        return
    # One upsert: two senders finishing two rows of one person at once serialise on the finished row's key
    # instead of one of them colliding with it.
    insert = dialect_insert(session)
    statement = insert(OutboxMessage).values(
        key=finished_key(row.recipient_id, DeliveryStatus(row.status)),
        kind=MessageKind.HOME,
        recipient_id=row.recipient_id,
        params={},
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
        created_at=row.created_at,
    )
    kept = ("attempts", "next_attempt_at", "last_error", "sent_at", "created_at")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={name: statement.excluded[name] for name in kept}
        )
    )
    session.delete(row)


def last_published_at(session: Session, person_id: int) -> datetime | None:
    return session.scalar(
        select(OutboxMessage.sent_at).where(OutboxMessage.key == finished_key(person_id, DeliveryStatus.SENT))
    )


def last_held_at(session: Session, pair_id: int) -> datetime | None:
    return session.scalar(
        select(Meeting.starts_at)
        .where(Meeting.pair_id == pair_id, Meeting.status == MeetingStatus.HELD)
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


def meeting_to_summarise(session: Session, pair_id: int, now: datetime) -> int | None:
    """The pair's latest meeting that has ended, is still scheduled (nobody said how it went) and has no
    summary: the one "Write the summary" is for."""
    return session.scalar(
        select(Meeting.id)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at <= now,
            ~select(Summary.id).where(Summary.meeting_id == Meeting.id).exists(),
        )
        .order_by(Meeting.ends_at.desc())
        .limit(1)
    )


# ------------------------------------------------------------------------------------------------ the hook


@dataclass
class _Changes:
    people: set[int] = field(default_factory=set)
    pairs: set[int] = field(default_factory=set)
    meetings: set[int] = field(default_factory=set)

    def note(self, obj: Any) -> None:
        if isinstance(obj, Person):
            self.people.add(obj.id)
        elif isinstance(obj, Pair):
            self.people.update((obj.member_a_id, obj.member_b_id))
        elif isinstance(obj, Summary):
            self.meetings.add(obj.meeting_id)
        else:
            self.pairs.add(obj.pair_id)

    def __bool__(self) -> bool:
        return bool(self.people or self.pairs or self.meetings)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    """What this flush changed that a Home tab shows (in after_flush the pre-flush lists and attribute
    history are still there, and ids are assigned)."""
    # A person added or removed has no Home tab of their own to update (opening it publishes it).
    added_or_gone = [
        obj for obj in (*session.new, *session.deleted) if type(obj) in _WATCHED and type(obj) is not Person
    ]
    changed = [obj for obj in session.dirty if _changed(obj, _WATCHED.get(type(obj)))]
    if added_or_gone or changed:
        changes = session.info.setdefault(_CHANGES, _Changes())
        for obj in (*added_or_gone, *changed):
            changes.note(obj)


def _changed(obj: Any, attributes: frozenset[str] | None) -> bool:
    if attributes is None:
        return False
    # Only attributes set since the last flush are in committed_state: most dirty rows (the clock's
    # bookkeeping) are skipped without computing any history. Set to what it was is no change.
    touched = attributes.intersection(instance_state(obj).committed_state)
    return any(get_history(obj, name).has_changes() for name in touched)


@event.listens_for(Session, "before_commit")
def _republish_changed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit republishes what it changed
    session.flush()  # the commit flushes after this hook; what it would write must be noted first
    changes: _Changes | None = session.info.pop(_CHANGES, None)
    if changes:
        republish(session, changes.people | set(_members(session, changes)), DUE_AT_ONCE)


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back (a commit took them already)
        session.info.pop(_CHANGES, None)


def _members(session: Session, changes: _Changes) -> Sequence[int]:
    if not changes.pairs and not changes.meetings:
        return []
    of_meetings = select(Meeting.pair_id).where(Meeting.id.in_(sorted(changes.meetings)))
    rows = session.execute(
        select(Pair.member_a_id, Pair.member_b_id).where(
            or_(Pair.id.in_(sorted(changes.pairs)), Pair.id.in_(of_meetings))
        )
    )
    return [person_id for row in rows for person_id in row]
