"""Heartbeats: when the clock last ticked, and a write the health check makes to prove writes work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.inserts import dialect_insert
from bot.store.models import Heartbeat

CLOCK = "clock"
HEALTH_CHECK = "health_check"


def beat(session: Session, name: str, at: datetime) -> None:
    """Record that `name` happened at `at` (one row per name, overwritten)."""
    insert = dialect_insert(session)
    statement = insert(Heartbeat).values(name=name, at=at)
    session.execute(
        statement.on_conflict_do_update(index_elements=["name"], set_={"at": statement.excluded.at})
    )


def last(session: Session, name: str) -> datetime | None:
    return session.scalar(select(Heartbeat.at).where(Heartbeat.name == name))
