"""The session factory's two kinds of session on SQLite: reads without the write lock, writes with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError

from bot.store.db import ReadingSessionWrote, SessionFactory, make_engine, make_session_factory
from bot.store.models import Base, Workspace

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'sessions.db'}")

    @event.listens_for(engine, "connect")
    def _wait_briefly(dbapi_connection: Any, _record: Any) -> None:
        # A writer that must wait for the lock gives up after 50 ms instead of the app's 10 s.
        dbapi_connection.execute("PRAGMA busy_timeout=50")

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


def test_a_writing_transaction_takes_the_lock_before_it_reads(sessions: SessionFactory) -> None:
    # So a read-then-write transaction waits its turn (busy_timeout) up front instead of failing
    # when it comes to write after another writer got in between.
    with sessions.begin() as first:
        assert first.scalar(select(func.count()).select_from(Workspace)) == 0
        with pytest.raises(OperationalError, match="locked"), sessions.begin() as second:
            second.add(Workspace(slack_team_id="T2", created_at=NOW))
        first.add(Workspace(slack_team_id="T1", created_at=NOW))
    with sessions() as session:
        assert session.scalars(select(Workspace.slack_team_id)).all() == ["T1"]


def test_a_write_in_a_reading_session_fails_loudly_and_stores_nothing(sessions: SessionFactory) -> None:
    with pytest.raises(ReadingSessionWrote, match=r"sessions\.begin"), sessions() as session:
        session.add(Workspace(slack_team_id="T1", created_at=NOW))
        session.flush()
    assert workspaces(sessions) == 0
