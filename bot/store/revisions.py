"""Revisions for the calendar feed's SEQUENCE: one session hook raises them on every change that matters.

A series' revision rises when its terms (the rule, the length) or whether it runs change; a meeting's when
its status or its time changes. Rows written by bulk Core statements are not seen: such a statement must
raise `revision` itself (e.g. `.values(status=..., revision=Meeting.revision + 1)`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history, instance_state

from bot.store.models import Meeting, Series

_WATCHED: dict[type[Any], frozenset[str]] = {
    Series: frozenset(
        {"cadence", "weekday", "local_time", "duration_minutes", "timezone", "first_date", "active"}
    ),
    Meeting: frozenset({"status", "starts_at", "ends_at"}),
}


@event.listens_for(Session, "before_flush")
def _raise_revisions(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        watched = _WATCHED.get(type(obj))
        if watched and _changed(obj, watched):
            obj.revision = (obj.revision or 0) + 1


def _changed(obj: Any, attributes: frozenset[str]) -> bool:
    # Only attributes set since the last flush are in committed_state; set to what it was is no change.
    touched = attributes.intersection(instance_state(obj).committed_state)
    return any(get_history(obj, name).has_changes() for name in touched)
