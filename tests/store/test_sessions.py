"""The session factory's two kinds of session on SQLite: reads without the write lock, writes taking turns."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from bot.store.db import ReadingSessionWrote, SessionFactory, make_engine, make_session_factory
from bot.store.models import Base, Workspace
from bot.store.sqlite_writers import LOCK_SUFFIX, NestedWrite

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.db"


@pytest.fixture
def engine(path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


def workspaces(sessions: SessionFactory) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Workspace)) or 0


def test_an_open_reading_session_does_not_hold_up_a_writer(sessions: SessionFactory) -> None:
    with sessions() as reader:
        assert reader.scalar(select(func.count()).select_from(Workspace)) == 0  # its transaction has begun
        with sessions.begin() as writer:
            writer.add(Workspace(slack_team_id="T1", created_at=NOW))
        assert workspaces(sessions) == 1


def test_a_writer_takes_sqlites_lock_before_it_reads(sessions: SessionFactory, path: Path) -> None:
    # So a read-then-write transaction waits its turn up front instead of failing when it comes to
    # write after another writer got in between. Another program (no turns) is kept out by SQLite.
    other_program = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    with sessions.begin() as first:
        assert first.scalar(select(func.count()).select_from(Workspace)) == 0
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other_program.execute("BEGIN IMMEDIATE")
        first.add(Workspace(slack_team_id="T1", created_at=NOW))
    other_program.execute("BEGIN IMMEDIATE")  # free again once the first committed
    other_program.execute("ROLLBACK")
    other_program.close()
    with sessions() as session:
        assert session.scalars(select(Workspace.slack_team_id)).all() == ["T1"]


def turn_is_free(path: Path) -> bool:
    fd = os.open(f"{path}{LOCK_SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_writer_holds_the_turn_until_its_connection_is_back_and_a_reader_never_takes_it(
    sessions: SessionFactory, path: Path
) -> None:
    with sessions() as reader:
        reader.scalar(select(func.count()).select_from(Workspace))
        assert turn_is_free(path)
        with sessions.begin() as writer:
            writer.scalar(select(func.count()).select_from(Workspace))
            assert not turn_is_free(path)  # from BEGIN on, before it writes anything
            writer.add(Workspace(slack_team_id="T1", created_at=NOW))
        assert turn_is_free(path)
    with pytest.raises(IntegrityError), sessions.begin() as failing:
        failing.add(Workspace(slack_team_id="T1", created_at=NOW))  # a clash: rolled back
    assert turn_is_free(path)


def test_writers_on_two_threads_take_turns(sessions: SessionFactory, path: Path) -> None:
    holding = threading.Event()
    seen_by_second: list[int] = []

    def second_writer() -> None:
        holding.wait()
        with sessions.begin() as session:  # if the first still holds the turn, waits for its commit
            seen_by_second.append(session.scalar(select(func.count()).select_from(Workspace)) or 0)
            session.add(Workspace(slack_team_id="T2", created_at=NOW))

    thread = threading.Thread(target=second_writer)
    thread.start()
    with sessions.begin() as first:
        first.add(Workspace(slack_team_id="T1", created_at=NOW))
        first.flush()
        holding.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert seen_by_second == [1]  # it began after the first's commit, so it saw T1
    assert workspaces(sessions) == 2


def test_a_write_begun_inside_another_on_one_thread_fails_at_once(sessions: SessionFactory) -> None:
    with sessions.begin() as outer:
        outer.add(Workspace(slack_team_id="T1", created_at=NOW))
        outer.flush()
        with pytest.raises(NestedWrite), sessions.begin() as inner:
            inner.add(Workspace(slack_team_id="T2", created_at=NOW))
    assert workspaces(sessions) == 1


def test_a_write_in_a_reading_session_fails_loudly_and_stores_nothing(sessions: SessionFactory) -> None:
    with pytest.raises(ReadingSessionWrote, match=r"sessions\.begin"), sessions() as session:
        session.add(Workspace(slack_team_id="T1", created_at=NOW))
        session.flush()
    assert workspaces(sessions) == 0


def test_a_thread_may_write_to_two_databases_at_once(sessions: SessionFactory, tmp_path: Path) -> None:
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    Base.metadata.create_all(other)
    try:
        with sessions.begin() as first, make_session_factory(other).begin() as second:
            first.add(Workspace(slack_team_id="T1", created_at=NOW))
            second.add(Workspace(slack_team_id="T2", created_at=NOW))
        assert workspaces(sessions) == 1
        assert workspaces(make_session_factory(other)) == 1
    finally:
        other.dispose()
