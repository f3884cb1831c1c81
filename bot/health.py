"""What `/healthz` reports: whether the database takes a write right now, and when the clock last ticked.

A database that answers reads can still refuse every write (a read-only file, a full disk), so the check
makes one small write and commits it (the check's own heartbeat: nothing else changes). It answers within
`WITHIN` seconds whatever the database does: a frozen database is reported as not answering, not waited
for. The clock may run in another process, so its last tick is read from the database too; a late clock
is reported, but doesn't make the web process unhealthy (restarting it would not help).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as TimedOut
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.now import Clock
from bot.store import heartbeats
from bot.store.db import SessionFactory

WITHIN = 1.5  # seconds: monitors and load balancers give up after a few
CLOCK_LATE_AFTER = timedelta(minutes=5)  # it ticks every minute


@dataclass(frozen=True)
class Health:
    database: str  # "ok", or why not
    last_tick: datetime | None = None
    checked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.database == "ok"

    def clock(self) -> str:
        if self.last_tick is None or self.checked_at is None:
            return "never ticked" if self.ok else "unknown"
        return "late" if self.checked_at - self.last_tick > CLOCK_LATE_AFTER else "ok"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.database,
            "clock": self.clock(),
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
        }


class HealthCheck:
    """Callable: the health right now, within `within` seconds."""

    def __init__(self, sessions: SessionFactory, clock: Clock, within: float = WITHIN) -> None:
        self._sessions = sessions
        self._clock = clock
        self._within = within
        # Two threads: a check stuck on a frozen database leaves the next one a thread, and then they queue.
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="health")

    def __call__(self) -> Health:
        check = self._pool.submit(self._check)
        try:
            return check.result(timeout=self._within)
        except TimedOut:
            return Health(f"no answer within {self._within:.1f} s")

    def _check(self) -> Health:
        now = self._clock()
        try:
            with self._sessions.begin() as session:
                heartbeats.beat(session, heartbeats.HEALTH_CHECK, now)
                last_tick = heartbeats.last(session, heartbeats.CLOCK)
        except SQLAlchemyError as error:
            return Health(_reason(error))
        return Health("ok", last_tick, now)


def _reason(error: SQLAlchemyError) -> str:
    """The driver's own first line ("attempt to write a readonly database", "connection refused", …)."""
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
