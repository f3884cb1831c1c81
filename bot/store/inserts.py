"""INSERT … ON CONFLICT DO NOTHING on both databases: how idempotent writes stay one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], conflict_columns: Sequence[str]
) -> list[int]:
    """Insert `rows`, skipping any that clash on `conflict_columns`; the ids of the new rows."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(list(rows)).on_conflict_do_nothing(index_elements=list(conflict_columns))
    return list(session.scalars(statement.returning(table.c.id)))
