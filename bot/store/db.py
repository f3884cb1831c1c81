"""Engine and session factory: the one place that knows how to connect."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot.store import space, sqlite_writers

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5
LOCK_TIMEOUT_MS = 10_000
STATEMENT_TIMEOUT_MS = 30_000
POOL_TIMEOUT_SECONDS = 10  # waiting for a free pooled connection; requests answer at their budget anyway
# Execution option of the connection of a session that only reads (see `Sessions`).
_READING = "oneonone_reading"
# A pooled connection's mark: a write on it failed for space, so it checkpoints when it is given back.
_CHECKPOINT_DUE = "oneonone_checkpoint_due"
# What a restarted log is trimmed to ("Each time a transaction is committed or a WAL file resets, SQLite
# compares the size of the ... WAL file left in the file-system to the size limit ... and if [it] is
# larger it is truncated": sqlite.org/pragma.html#pragma_journal_size_limit; the default keeps it all).
# A quarter of the 4 MB log between automatic checkpoints: more than a busy minute's commits.
JOURNAL_SIZE_LIMIT = 1024 * 1024


def make_engine(url: URL | str, **kwargs: Any) -> Engine:
    # hide_parameters: a database error's message must not carry what people wrote into the logs.
    engine = create_engine(url, hide_parameters=True, **{**_server_options(url), **kwargs})
    event.listen(engine, "before_cursor_execute", _refuse_a_write_when_reading)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", _sqlite_error)
        # Before take_turns' own checkin listener: the checkpoint runs while the turn is still held.
        event.listen(engine, "checkin", _sqlite_checkin)
        database = engine.url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            sqlite_writers.take_turns(engine, database)
    return engine


def _server_options(url: URL | str) -> dict[str, Any]:
    """A database server (PostgreSQL) may restart or vanish under a running app."""
    if make_url(url).get_backend_name() != "postgresql":
        return {}
    return {
        # A connection pooled before a restart is dead: test it on checkout and replace it, so the first
        # request after a restart doesn't fail on it (one round trip per checkout).
        "pool_pre_ping": True,
        # An unreachable server fails a connection attempt in seconds, not the OS's minutes; a statement
        # waiting on another's lock, or running away, ends instead of holding a worker for good (the
        # request has answered at its budget and reports the outcome). Migrations set their own.
        "connect_args": {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
        "pool_timeout": POOL_TIMEOUT_SECONDS,
    }


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT (releasing the first one commits);
    # SQLAlchemy's documented fix is to switch it off and emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets readers and one writer work side by side,
    # and busy_timeout makes a second writer wait instead of failing at once.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs the log at checkpoints, not at every commit: still safe against
    # corruption, and a commit survives the process crashing; only a power cut or OS crash can
    # take back the last few commits. FULL's fsync per commit made a one-row write transaction 2.6
    # times as long (0.46 against 0.18 ms on the benchmark machine), all of it holding the write lock.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 20 s: a lock another program holds for longer than Slack waits is waited out (the request has
    # answered "Saving…" at its budget and reports the outcome), up to a point.
    cursor.execute("PRAGMA busy_timeout=20000")
    cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a read-then-write transaction then waits its turn
    # (busy_timeout) instead of failing when another writer got there first. A session that only
    # reads begins a plain (deferred) transaction instead: in WAL mode it reads a snapshot without
    # the write lock, so reads neither queue behind writers nor hold them up.
    reading = bool(connection.get_execution_options().get(_READING))
    if not reading:
        sqlite_writers.take(connection)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _refuse_a_write_when_reading(
    connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    # A plain session is for reading: a write there is a bug, so it fails loudly on both databases. On
    # SQLite a deferred transaction that has read cannot safely become a writer (SQLite refuses at once,
    # without waiting, when another connection has written since); on PostgreSQL a reading session ends
    # in COMMIT (`_Session.close`), which must never store anything.
    first_word = statement.split(None, 1)[0].upper() if statement.strip() else ""
    if connection.get_execution_options().get(_READING) and first_word not in (
        "SELECT",
        "BEGIN",
        "EXPLAIN",
        "SHOW",
    ):
        raise ReadingSessionWrote(f"a reading session would write {statement[:60]!r}; use sessions.begin()")


def _sqlite_error(context: ExceptionContext) -> None:
    # A write that failed for space: the log may hold pages the database has room for, so a truncating
    # checkpoint can give the disk back at once. It waits for the connection to return to the pool,
    # when its transaction has been rolled back (a checkpoint cannot run inside one).
    connection = context.connection
    if connection is None or connection.closed or connection.invalidated:
        return
    if space.is_disk_full(context.original_exception):
        connection.connection.info[_CHECKPOINT_DUE] = True


def _sqlite_checkin(dbapi_connection: Any, record: Any) -> None:
    due = record.info.pop(_CHECKPOINT_DUE, False) and dbapi_connection is not None
    # Quietly: whoever wrote reports the failure (the tick, the clock, the request's answer) in its words.
    if due and space.checkpoint_connection(dbapi_connection):
        logger.debug("a write failed for space: truncated the SQLite log to give the disk back")


class ReadingSessionWrote(RuntimeError):
    """A plain `with sessions()` block tried to change something."""


class _Session(Session):
    def begin(self, nested: bool = False) -> SessionTransaction:
        if self._transaction is None:
            # An explicit transaction (`sessions.begin()`) is one that writes: the write lock up front.
            self.execution_options = self.execution_options.union({_READING: False})
        return super().begin(nested)

    def close(self) -> None:
        transaction = self._transaction
        if transaction is not None and transaction.is_active and self.execution_options.get(_READING):
            _commit_a_read(self)
        super().close()


def _commit_a_read(session: Session) -> None:
    """End a reading session's PostgreSQL transaction with COMMIT, not ROLLBACK. psycopg forgets every
    statement it prepared at a ROLLBACK (psycopg `_rollback_gen`), so reads were planned anew at every
    use: agenda's two reads spent 2.2 to 2.5 ms of the server's CPU, 0.3 to 0.6 ms once prepared. A read
    has nothing to undo (`_refuse_a_write_when_reading`). On the DBAPI connection: the Session's own
    commit would run its hooks, and the request-record hook would store a record for a read. SQLAlchemy's
    rollback that follows finds the connection idle and sends nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return
    dbapi_connection = session.connection().connection.dbapi_connection
    # Only a transaction in progress: a failed one (INERROR) is rolled back as usual.
    if dbapi_connection is not None and dbapi_connection.info.transaction_status.name == "INTRANS":
        dbapi_connection.commit()


class Sessions(sessionmaker[Session]):
    """The session factory: `with sessions.begin()` to change things, a plain `with sessions()` to read.

    Services write only in an explicit transaction and never commit a plain session, so a plain
    session is a reading one. On SQLite that lets reads skip the write lock (`_sqlite_begin`); on
    PostgreSQL both are ordinary transactions.
    """

    def __call__(self, **local_kw: Any) -> Session:
        session = super().__call__(**local_kw)
        session.execution_options = session.execution_options.union({_READING: True})
        return session


SessionFactory = Sessions


def make_session_factory(engine: Engine) -> SessionFactory:
    # The session hooks (the Home tab's re-publishing, the calendar feed's revisions) are registered on
    # import: imported here, they are on wherever sessions are made, in every process.
    from bot.store import home, revisions  # noqa: F401

    # Objects stay readable after commit: services hand results to the Slack layer after committing.
    return Sessions(engine, class_=_Session, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect().execution_options(**{_READING: True}) as connection:
        connection.execute(text("SELECT 1"))


def engine_of(sessions: SessionFactory) -> Engine:
    """The engine a session factory binds (for what runs outside a session, like a checkpoint)."""
    bind = sessions.kw["bind"]
    assert isinstance(bind, Engine)
    return bind
