"""The queries every command runs are answered from the indexes meant for them, on both databases.

Planners choose among indexes by rules and statistics; one added for another query can win and
quietly turn a lookup of one pair into a scan of every pair (benchmarks/RESULTS.md, "Acknowledgement
latency", migration 0006). These tests read the plan SQLite chooses: it keeps no statistics unless
asked (ANALYZE), so its plan is the same on an empty test table as in production. PostgreSQL's choice
rests on statistics an empty table cannot stand for; benchmarks/scheduler_scale.py and ack_latency's
seeded databases show its plans at size.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.store import busy, meetings
from bot.store.db import SessionFactory

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _sqlite_only(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans depend on table statistics (see the module's docstring)")


def plan_of(session: Session, query: Callable[[Session], Any]) -> str:
    """The plan the database chooses for the one statement `query` sends."""
    connection = session.connection()
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        query(session)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    (statement, parameters), *_ = [s for s in sent if s[0].lstrip().upper().startswith("SELECT")]
    rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
    return "\n".join(str(row[-1]) for row in rows)


def test_a_pairs_next_meeting_is_read_from_the_pairs_own_meetings(sessions: SessionFactory) -> None:
    with sessions() as session:
        plan = plan_of(session, lambda s: meetings.next_meeting(s, 1, NOW))
    assert "ix_meeting_pair_id_status_ends_at" in plan, plan
    assert "ix_meeting_status_ends_at" not in plan, plan


def test_the_calendars_due_a_read_are_found_among_the_people_who_set_one(sessions: SessionFactory) -> None:
    with sessions() as session:
        plan = plan_of(session, lambda s: busy.claim_due(s, NOW, NOW, limit=20))
    assert "ix_person_busy_url" in plan, plan
