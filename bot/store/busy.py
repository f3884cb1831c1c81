"""Busy stretches from people's own calendars (issue 13, part 2), and which calendars are due a read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from bot.store.models import BusyInterval, Person


def busy_intervals(
    session: Session, person_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy (start, end) stretches of these people's own calendars overlapping [start, end)."""
    if not person_ids:
        return []
    rows = session.execute(
        select(BusyInterval.starts_at, BusyInterval.ends_at)
        .where(
            BusyInterval.person_id.in_(list(person_ids)),
            BusyInterval.starts_at < end,
            BusyInterval.ends_at > start,
        )
        .order_by(BusyInterval.starts_at)
    )
    return [(starts, ends) for starts, ends in rows]


def replace_intervals(
    session: Session, person_id: int, intervals: Iterable[tuple[datetime, datetime, bool]]
) -> None:
    """The person's busy stretches become exactly these (start, end, out_of_office)."""
    session.execute(delete(BusyInterval).where(BusyInterval.person_id == person_id))
    rows = [
        {"person_id": person_id, "starts_at": s, "ends_at": e, "out_of_office": ooo}
        for s, e, ooo in intervals
    ]
    if rows:
        session.execute(insert(BusyInterval), rows)


def forget_intervals(session: Session, person_id: int) -> None:
    session.execute(delete(BusyInterval).where(BusyInterval.person_id == person_id))


def claim_due(session: Session, checked_before: datetime, now: datetime, *, limit: int) -> list[Person]:
    """Up to `limit` people whose calendar was last read before `checked_before` (never read first),
    marked as read at `now` so a second reader (the clock and a `tick` at once) takes other ones."""
    people = list(
        session.scalars(
            select(Person)
            .where(
                Person.busy_url.is_not(None),
                or_(Person.busy_checked_at.is_(None), Person.busy_checked_at < checked_before),
            )
            .order_by(Person.busy_checked_at.is_not(None), Person.busy_checked_at, Person.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for person in people:
        person.busy_checked_at = now
    return people
