"""SQLite on a small disk, for real: a tmpfs of 8 MB the test mounts (root only), filled with a filler file.

The processes refuse to start on a nearly full disk; a write that fails for space gives the log back and
leaves nothing held, so the next write after space is freed succeeds in the same process; `tick` and the
clock say so in one line; and the clock's ticks keep the write-ahead log from growing.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError

from bot.clock import schedule_ticks
from bot.config import Settings
from bot.processes import _ticker
from bot.services import series
from bot.services.pairs import Actor
from bot.store import migrations, space
from bot.store.db import JOURNAL_SIZE_LIMIT, SessionFactory, make_engine, make_session_factory
from bot.store.models import OutboxMessage
from bot.store.sqlite_writers import LOCK_SUFFIX
from tests.conftest import FakeClock
from tests.e2e.test_cli import assert_one_clear_line
from tests.reliability_report import record

MB = space.MB
NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BALLAST_ROW = 3000  # bytes: one row that fits a 4 KB page, rewritten to fill the log with that page


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs mounted for this test, unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small disk (tmpfs) needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True, text=True
        )
    except FileNotFoundError:
        pytest.skip("no mount command here to make a small disk with")
    if mounted.returncode != 0:
        pytest.skip(f"mounting a small tmpfs was refused: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Grow the filler file until the disk has `leave` bytes free (0: full)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        grow = space.free_bytes(str(disk)) - leave
        if grow > 0:
            os.posix_fallocate(fd, os.fstat(fd).st_size, grow)
    finally:
        os.close(fd)
    assert space.free_bytes(str(disk)) <= max(leave, 0)
    return filler


def wal_size(database: Path) -> int:
    log = Path(f"{database}-wal")
    return log.stat().st_size if log.exists() else 0


def run_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT"))}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def write_ballast(sessions: SessionFactory, size: int) -> None:
    with sessions.begin() as session:
        session.execute(text("INSERT INTO ballast (data) VALUES (randomblob(:size))"), {"size": size})


def writers_turn_is_free(database: Path) -> bool:
    """Could another writer take the writers' lock right now (sqlite_writers)?"""
    fd = os.open(f"{database}{LOCK_SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def ballast_engine(database: Path) -> Engine:
    """The app's engine on a database with one table to fill, whose row is already in the database file."""
    engine = make_engine(f"sqlite:///{database}")
    with make_session_factory(engine).begin() as session:
        session.execute(text("CREATE TABLE ballast (id INTEGER PRIMARY KEY, data BLOB)"))
        session.execute(
            text("INSERT INTO ballast (id, data) VALUES (1, randomblob(:size))"), {"size": BALLAST_ROW}
        )
    assert space.checkpoint(engine) and wal_size(database) == 0
    return engine


def schedule_a_series(url: str) -> None:
    """A weekly 1:1 whose first meeting is near at NOW: a tick at NOW queues a prompt to each of the two."""
    engine = make_engine(url)
    try:
        request = series.ScheduleRequest("UBOB0001", "weekly", 1, time(10))
        series.schedule(
            make_session_factory(engine), NOW, Actor("T0001", "UALICE01"), request, "Europe/Berlin"
        )
    finally:
        engine.dispose()


def queued(url: str) -> int:
    """Messages in the outbox: scheduling queues one (the notice), a tick at NOW two prompts."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------------
# Starting up


@pytest.mark.e2e
def test_every_process_refuses_to_start_on_a_nearly_full_disk(small_disk: Path, tmp_path: Path) -> None:
    database = small_disk / "bot.db"
    fill(small_disk, leave=3 * MB)
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never reached: the disk is checked first
    }
    started = {
        command: run_bot(command, env=env, cwd=tmp_path) for command in ("run", "serve", "clock", "tick")
    }
    started["migrate"] = run_bot("migrate", env={"DATABASE_URL": env["DATABASE_URL"]}, cwd=tmp_path)
    for command, process in started.items():
        result = finished(process)
        expected = (
            f"only 3 MB free on {small_disk} (the database's disk); free some space: "
            "the bot needs at least 16 MB to run safely"
        )
        assert_one_clear_line(result, expected)
        assert result.stderr.strip() == f"oneonone: error: {expected}", command  # and nothing else
    assert not database.exists()  # refused before anything opened it
    lowered = finished(run_bot("migrate", env={**env, "DATABASE_MIN_FREE_MB": "2"}, cwd=tmp_path))
    assert lowered.returncode == 0, lowered.stderr  # an operator who knows better can lower the bar


# ---------------------------------------------------------------------------------------------------
# Running out of space while running


@pytest.mark.reliability
def test_a_write_on_a_full_disk_gives_the_log_back_holds_nothing_and_the_next_write_after_freeing_succeeds(
    small_disk: Path,
) -> None:
    database = small_disk / "bot.db"
    engine = ballast_engine(database)
    sessions = make_session_factory(engine)
    try:
        for _ in range(500):  # the log fills with versions of one page the database file already has
            with sessions.begin() as session:
                session.execute(text("UPDATE ballast SET data = randomblob(:size)"), {"size": BALLAST_ROW})
        log = wal_size(database)
        assert log > MB
        filler = fill(small_disk)

        with pytest.raises(OperationalError, match="database or disk is full") as failed:
            write_ballast(sessions, 500_000)
        assert space.is_disk_full(failed.value)
        # Given back to the pool, the connection checkpointed: the log's space is the disk's again.
        assert wal_size(database) == 0
        assert space.free_bytes(str(small_disk)) >= log

        fill(small_disk)  # whatever else is writing takes it: full again, the log empty
        for _ in range(5):
            with pytest.raises(OperationalError, match="database or disk is full"):
                write_ballast(sessions, 100_000)
            # The log does not grow, and nothing is held: no connection, no transaction, no writer's turn.
            assert wal_size(database) == 0
            assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
            assert writers_turn_is_free(database)

        filler.unlink()
        write_ballast(sessions, 100_000)  # same process, same engine: no restart
        with sessions() as session:
            assert session.scalar(text("SELECT count(*) FROM ballast")) == 2
        record("SQLite disk full: writes refused, then the first write after freeing space worked", 1)
    finally:
        engine.dispose()


def test_ticks_keep_the_log_small_while_the_app_writes(
    tmp_path: Path, settings: Settings, clock: FakeClock
) -> None:
    """Each clock tick truncates the log: what the app wrote between ticks never piles up in it."""
    database = tmp_path / "bot.db"
    migrations.upgrade(f"sqlite:///{database}")
    engine = ballast_engine(database)
    sessions = make_session_factory(engine)
    tick = _ticker(settings, sessions, clock)
    try:
        sizes = []
        for _ in range(8):
            write_ballast(sessions, 300_000)  # requests between two ticks
            tick()
            sizes.append(wal_size(database))
        assert max(sizes) <= 64 * 1024, sizes  # without the ticks' checkpoints: 0.3 MB more each minute
    finally:
        tick.deliverer.stop()
        engine.dispose()


def test_a_restarted_log_is_trimmed_to_the_journal_size_limit(tmp_path: Path) -> None:
    """Between ticks SQLite's own checkpoints restart the log; journal_size_limit then trims the file."""
    database = tmp_path / "bot.db"
    engine = ballast_engine(database)
    sessions = make_session_factory(engine)
    try:
        for _ in range(12):  # 6 MB: past the 1000-page automatic checkpoint, which restarts the log
            write_ballast(sessions, 500_000)
        # Without the limit the file keeps its 4 MB high-water mark.
        assert wal_size(database) <= JOURNAL_SIZE_LIMIT + 600_000
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------------
# `tick` and the clock on a full disk: one line each


@pytest.mark.e2e
def test_tick_on_a_full_disk_says_so_in_one_line_and_the_due_work_waits(
    small_disk: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{small_disk / 'bot.db'}"
    migrations.upgrade(url)
    schedule_a_series(url)
    env = {"DATABASE_URL": url, "DATABASE_MIN_FREE_MB": "0"}  # past the start-up check, to the writes
    # Another process (a `serve`) has the database open: its log and shared memory exist, so the tick
    # opens the database and fails at its first write.
    beside = make_engine(url)
    try:
        with make_session_factory(beside)() as session:
            session.execute(text("SELECT 1"))
        filler = fill(small_disk)
        result = finished(run_bot("tick", "--at", NOW.isoformat(), env=env, cwd=tmp_path))
    finally:
        beside.dispose()
    expected = (
        f"the database's disk is full (0 MB free on {small_disk}): free some space; "
        "what was due stays due for the next tick"
    )
    assert_one_clear_line(result, expected)
    assert result.stderr.strip() == f"oneonone: error: {expected}"

    # Alone, the tick cannot even open the database (no room for its shared memory): the same line, shorter.
    alone = finished(run_bot("tick", "--at", NOW.isoformat(), env=env, cwd=tmp_path))
    assert_one_clear_line(alone, f"the database's disk is full (0 MB free on {small_disk}): free some space")

    filler.unlink()
    assert queued(url) == 1  # the failed tick left nothing half done
    again = finished(run_bot("tick", "--at", NOW.isoformat(), env=env, cwd=tmp_path))
    assert again.returncode == 0, again.stderr
    assert "2 messages queued" in again.stdout
    assert queued(url) == 3


def test_the_clock_logs_one_line_for_a_tick_that_failed_for_space_and_the_next_tick_does_the_work(
    small_disk: Path, settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{small_disk / 'bot.db'}"
    migrations.upgrade(url)
    schedule_a_series(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    ticker = _ticker(settings, sessions, clock)
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_ticks(scheduler, ticker, clock)
    job = scheduler.get_jobs()[0].func
    try:
        with sessions() as session:  # the clock's engine is open: the next write is what fails
            session.execute(text("SELECT 1"))
        filler = fill(small_disk)
        with caplog.at_level(logging.INFO):
            job()
        failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [(r.name, r.getMessage()) for r in failures] == [
            ("bot.clock", "tick failed: the database's disk is full; the next tick tries again")
        ]
        assert failures[0].exc_info is None  # no traceback
        assert queued(url) == 1
        filler.unlink()
        job()
        assert queued(url) == 3
    finally:
        ticker.deliverer.stop()
        engine.dispose()
