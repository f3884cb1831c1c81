"""Room on the SQLite database's disk: a bounded write-ahead log, and a clear word when the disk is full.

In WAL mode SQLite appends every commit to `<database>-wal` and copies it back into the database at a
checkpoint; its automatic ones (every 1000 pages, about 4 MB) are PASSIVE and only restart the log
from its beginning, never shrinking the file, and a checkpoint that readers keep from finishing lets
the log grow without bound (sqlite.org/wal.html, "Avoiding Excessively Large WAL Files"). So the clock
checkpoints with TRUNCATE after each tick ("like RESTART ... also truncates the log file to zero bytes
just prior to a successful return": sqlite.org/pragma.html#pragma_wal_checkpoint), and again as soon as
a write fails for space (db.py), and `journal_size_limit` (db.py) trims a log that was restarted.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from bot.store import sqlite_writers

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# What a process needs free to start: the log grows to about 4 MB (1000 pages of 4 KB) between
# automatic checkpoints, a checkpoint may grow the database file by as much again, and a migration
# that rebuilds a table (Alembic's batch mode on SQLite) writes a copy of it. Four times the log's
# usual size covers those with room to spare; much less and the bot would start only to fail its
# first busy minute.
DEFAULT_MIN_FREE_MB = 16


def database_file(url: URL) -> str | None:
    """The file of a SQLite database on disk (None for PostgreSQL, in-memory and URI databases)."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else os.path.abspath(database)


def free_bytes(path: str) -> int:
    """Bytes free for the bot on the disk that holds `path` (which need not exist yet)."""
    stats = os.statvfs(_existing(path))
    return stats.f_bavail * stats.f_frsize  # f_bavail: what an unprivileged process may still use


def mount_point(path: str) -> str:
    """Where the disk that holds `path` is mounted: the name an operator knows it by."""
    path = os.path.realpath(_existing(path))
    while not os.path.ismount(path):
        path = os.path.dirname(path)
    return path


def room_problem(database: str, minimum_mb: int) -> str | None:
    """One line for the operator when the database's disk has less than `minimum_mb` free; else None."""
    free = free_bytes(database)
    if free >= minimum_mb * MB:
        return None
    return (
        f"only {free // MB} MB free on {mount_point(database)} (the database's disk); free some space: "
        f"the bot needs at least {minimum_mb} MB to run safely"
    )


def is_disk_full(error: BaseException) -> bool:
    """Did this error (or the database error it wraps) come from a disk with no room left?"""
    for cause in _causes(error):
        code = (getattr(cause, "sqlite_errorcode", 0) or 0) if isinstance(cause, sqlite3.Error) else 0
        # SQLITE_FULL (the low byte of an extended code) is "database or disk is full"; SQLITE_IOERR_SHMSIZE,
        # what opening a database on a full disk fails with, "may indicate that the underlying filesystem
        # volume is out of space" (sqlite.org/rescode.html).
        if code & 0xFF == sqlite3.SQLITE_FULL or code == sqlite3.SQLITE_IOERR_SHMSIZE:
            return True
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return True
    return False


def checkpoint(engine: Engine) -> bool:
    """Copy the log into the database and truncate it (SQLite; a no-op elsewhere). True when it is empty.

    The checkpoint takes the writers' turn first: like a writer it needs SQLite's write lock, and the
    app's writers then queue for it in the kernel rather than in SQLite's busy handler.
    """
    if engine.dialect.name != "sqlite":
        return True
    pooled = engine.raw_connection()
    try:
        sqlite_writers.take_pooled(pooled)
        return checkpoint_connection(pooled.driver_connection)
    finally:
        pooled.close()  # back to the pool, and the turn with it


def checkpoint_connection(dbapi_connection: Any) -> bool:
    """A TRUNCATE checkpoint on a DBAPI connection outside any transaction; never raises.

    It waits (busy_timeout) for readers of older snapshots to finish; when they do not, or when the
    disk has no room for the pages the database file must grow by, the log stays as it is until the
    next try.
    """
    try:
        cursor = dbapi_connection.cursor()
        try:
            busy, _log_frames, _checkpointed = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cursor.close()
    except sqlite3.Error as error:
        # Busy past busy_timeout, or no room to grow the database: the next checkpoint tries again.
        logger.debug("could not checkpoint the SQLite log: %s", error)
        return False
    return busy == 0


def _existing(path: str) -> str:
    """`path`, or its nearest ancestor that exists (a database file is created on first use)."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return path


def _causes(error: BaseException) -> list[BaseException]:
    """The error, the DBAPI error SQLAlchemy wrapped (`orig`), and what they were raised from."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        cause = pending.pop()
        if cause is None or any(cause is known for known in seen):
            continue
        seen.append(cause)
        orig = getattr(cause, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, cause.__cause__, cause.__context__]
    return seen
