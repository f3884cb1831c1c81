"""What `/healthz` reports: whether the database takes a write right now, and when the clock last ticked.

A database that answers reads can still refuse every write (a read-only file, a full disk), so the check
makes one small write and commits it (the check's own heartbeat: nothing else changes). It answers within
`WITHIN` seconds whatever the database does: a frozen database is reported as not answering, not waited
for. The clock may run in another process, so its last tick is read from the database too.

A clock silent for `CLOCK_LATE_AFTER` makes every process unhealthy (503): nothing is being prompted or
delivered, and the web and Socket Mode processes are where monitors look. "Never ticked" is silence too,
counted from when this process started: a fresh process is healthy for five minutes while its clock (its
own thread, or another process starting beside it) makes the first tick; after that, never is too late.
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
    started_at: datetime | None = None  # when this process started: the grace for a first tick

    @property
    def ok(self) -> bool:
        return self.database == "ok" and not self.clock_silent

    def clock(self) -> str:
        """ "ok", "late", "never ticked", or "unknown" (the database didn't say)."""
        if self.database != "ok" or self.checked_at is None:
            return "unknown"
        if self.last_tick is None:
            return "never ticked"
        return "late" if self.checked_at - self.last_tick > CLOCK_LATE_AFTER else "ok"

    @property
    def clock_silent(self) -> bool:
        """Silent for longer than CLOCK_LATE_AFTER: since its last tick, or since this process started."""
        if self.checked_at is None:
            return False
        since = self.last_tick or self.started_at
        return since is not None and self.checked_at - since > CLOCK_LATE_AFTER

    def clock_age_seconds(self) -> int | None:
        """Whole seconds since the clock's last tick."""
        if self.last_tick is None or self.checked_at is None:
            return None
        return int((self.checked_at - self.last_tick).total_seconds())

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.database,
            "clock": self.clock(),
            "last_tick": self.last_tick.isoformat() if self.last_tick else None,
            "clock_age_seconds": self.clock_age_seconds(),
        }


class HealthCheck:
    """Callable: the health right now, within `within` seconds."""

    def __init__(self, sessions: SessionFactory, clock: Clock, within: float = WITHIN) -> None:
        self._sessions = sessions
        self._clock = clock
        self._within = within
        self._started_at = clock()
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
        return Health("ok", last_tick, now, self._started_at)


def _reason(error: SQLAlchemyError) -> str:
    """The driver's own first line ("attempt to write a readonly database", "connection refused", …)."""
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0][:200]
