"""INSERT … ON CONFLICT DO NOTHING on both databases: how idempotent writes stay one statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    *,
    returning: bool = True,
) -> list[int]:
    """Insert `rows`, skipping any that clash on `conflict_columns`; the ids of the rows inserted.

    The rows go as parameter sets of one execute, so SQLAlchemy's "insertmanyvalues" splits them into
    INSERTs that fit the driver's parameter limit (10,000 rows do not fit one SQLite statement), and
    RETURNING reports only the rows that were new (SQLite >= 3.35, PostgreSQL). Every row must carry
    the same keys.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no ON CONFLICT support written for {dialect}")
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    if not returning:  # for tables without an integer id
        session.execute(statement, list(rows))
        return []
    return [row.id for row in session.execute(statement.returning(table.c.id), list(rows))]
