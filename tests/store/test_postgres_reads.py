"""A reading session on PostgreSQL ends in COMMIT, so psycopg keeps the statements it prepared (it forgets
them all at a ROLLBACK): a read the app sends again and again is planned once per connection, not at every
use. Nothing a reading session does is stored, and a failed one is rolled back as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import ProgrammingError

from bot.store.db import ReadingSessionWrote, SessionFactory, make_engine, make_session_factory
from bot.store.models import Workspace

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PREPARE_THRESHOLD = 5  # psycopg prepares a statement on its sixth execution on a connection


@pytest.fixture
def one_connection(engine: Engine, database_url: str) -> Iterator[SessionFactory]:
    """Sessions on a pool of one connection, so every read below runs on the same one."""
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and their ROLLBACK are psycopg's (PostgreSQL)")
    single = make_engine(database_url, pool_size=1, max_overflow=0)
    yield make_session_factory(single)
    single.dispose()


def prepared(sessions: SessionFactory, fragment: str) -> int:
    with sessions() as session:
        return (
            session.scalar(
                text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :s"),
                {"s": f"%{fragment}%"},
            )
            or 0
        )


def count_workspaces(sessions: SessionFactory) -> int:
    with sessions() as session:
        return (
            session.scalar(select(func.count(Workspace.id)).where(Workspace.slack_team_id == "T-prep")) or 0
        )


def test_a_read_sent_again_and_again_stays_prepared(one_connection: SessionFactory) -> None:
    for _ in range(PREPARE_THRESHOLD + 3):
        assert count_workspaces(one_connection) == 0
    # With every reading session ended by a ROLLBACK, this was 0: psycopg had deallocated it each time.
    assert prepared(one_connection, "workspace.slack_team_id") == 1


def test_a_write_in_a_reading_session_fails_loudly_and_stores_nothing(one_connection: SessionFactory) -> None:
    with pytest.raises(ReadingSessionWrote), one_connection() as session:
        session.add(Workspace(slack_team_id="T-prep", created_at=NOW))
        session.flush()
    assert count_workspaces(one_connection) == 0


def test_a_failed_read_is_rolled_back_and_the_connection_works_on(one_connection: SessionFactory) -> None:
    with pytest.raises(ProgrammingError), one_connection() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert count_workspaces(one_connection) == 0
    with one_connection.begin() as session:  # and a write after it stores as usual
        session.add(Workspace(slack_team_id="T-prep", created_at=NOW))
    assert count_workspaces(one_connection) == 1
    with one_connection.begin() as session:
        session.execute(Workspace.__table__.delete().where(Workspace.slack_team_id == "T-prep"))
