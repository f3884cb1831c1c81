"""SQLite writers of this app take turns through a lock file, handed over the moment one is done.

SQLite lets one writer in at a time. The others wait in its busy handler, which sleeps and retries
with growing pauses (up to 100 ms), so under load a waiter often sleeps through the moment the lock
is free while the writer that just finished gets back in: the waits pile up at the tail
(benchmarks/RESULTS.md, "Acknowledgement latency"). Here each writing transaction
first takes an exclusive `flock` on `<database>-writers`, and the kernel wakes a waiter as soon as
the turn is given back. SQLite's own lock and busy_timeout still keep other programs in order.

Unlike busy_timeout, a turn has no time limit: a writer waits for as long as the one before it holds
the turn. The app keeps its write transactions short and never calls Slack inside one.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from sqlalchemy import Engine, event

LOCK_SUFFIX = "-writers"
_TURN = "oneonone_writer_turn"
_thread = threading.local()


class NestedWrite(RuntimeError):
    """A thread holding a writing transaction began another, which would wait for it forever."""


class _Turn:
    """One pooled connection's claim on the lock file (its own open file, so threads exclude each other)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._holder: set[_Turn] | None = None  # the holding thread's set of turns

    def take(self) -> None:
        if self._holder is not None:  # the connection's previous transaction still holds it
            return
        mine: set[_Turn] = _thread.__dict__.setdefault("turns", set())
        if any(turn.path == self.path for turn in mine):
            raise NestedWrite("a writing transaction began inside another one on the same thread")
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # waits without the GIL
        self._holder = mine
        mine.add(self)

    def give_back(self) -> None:
        if self._holder is not None:
            self._holder.discard(self)
            self._holder = None
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.give_back()
        os.close(self._fd)


def take_turns(engine: Engine, database_path: str) -> None:
    """Give each of the engine's connections a turn; `take` claims it before a writer's BEGIN."""
    path = database_path + LOCK_SUFFIX

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection: Any, record: Any) -> None:
        record.info[_TURN] = _Turn(path)

    # A session hands its connection back to the pool right after COMMIT or ROLLBACK: the turn
    # goes with it. (Given back before the COMMIT, the next writer would meet SQLite's lock still
    # held and sleep in the busy handler after all.)
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        if (turn := record.info.get(_TURN)) is not None:
            turn.give_back()

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        if (turn := record.info.pop(_TURN, None)) is not None:
            turn.close()


def take(connection: Any) -> None:
    """Wait for this connection's turn to write (a no-op for an engine without turns)."""
    take_pooled(connection.connection)


def take_pooled(pooled: Any) -> None:
    """`take` for a pooled DBAPI connection (`engine.raw_connection()`): its turn goes back with it."""
    if (turn := pooled.info.get(_TURN)) is not None:
        turn.take()
