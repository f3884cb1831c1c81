"""INSERT … ON CONFLICT DO NOTHING on both databases: how idempotent writes stay one statement."""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Table, bindparam, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.store.base import UTCDateTime

# From this many rows PostgreSQL gets them as one JSON parameter (`_insert_from_json`); below it the
# JSON statement's building and unpacking cost more than the parameters they save (0.3 ms a row).
JSON_FROM_ROWS = 100
_POSTGRESQL = postgresql.dialect()
_UTC = UTCDateTime()


def insert_ignoring_conflicts(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    *,
    returning: bool = True,
) -> list[int]:
    """Insert `rows`, skipping any that clash on `conflict_columns`; the ids of the rows inserted.

    RETURNING reports only the rows that were new (SQLite >= 3.35, PostgreSQL). Every row must carry
    the same keys; columns left out take their defaults.
    """
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no ON CONFLICT support written for {dialect}")
    if dialect == "postgresql" and len(rows) >= JSON_FROM_ROWS:
        return _insert_from_json(session, table, rows, conflict_columns, returning=returning)
    # Parameter sets of one execute: SQLAlchemy's "insertmanyvalues" splits them into INSERTs that fit
    # the driver's parameter limit (10,000 rows do not fit one SQLite statement).
    statement = _plain_insert(dialect, table, tuple(conflict_columns), returning)
    if not returning:  # for tables without an integer id
        session.execute(statement, list(rows))
        return []
    return [row.id for row in session.execute(statement, list(rows))]


def dialect_insert(session: Session) -> Any:
    """The INSERT construct with ON CONFLICT clauses for the session's database (PostgreSQL or SQLite)."""
    return _insert_of(session.get_bind().dialect.name)


def _insert_of(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@functools.lru_cache(maxsize=32)
def _plain_insert(dialect: str, table: Table, conflict_columns: tuple[str, ...], returning: bool) -> Any:
    # Built once: a single-row insert is mostly statement building.
    statement = _insert_of(dialect)(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    return statement.returning(table.c.id) if returning else statement


def _insert_from_json(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: Sequence[str],
    *,
    returning: bool,
) -> list[int]:
    """PostgreSQL: all rows as one JSON parameter, unpacked by `json_to_recordset` in one INSERT.

    As parameter sets, a batch of 1,000 outbox rows became one statement of 11,000 parameters that
    psycopg parses in Python on every execution (its statement cache stops at 50 parameters): over
    half of a 10,000-prompt tick (benchmarks/RESULTS.md, "Scheduler scale").
    """
    names = list(rows[0])
    recordset = (
        func.json_to_recordset(bindparam("rows", type_=JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(name="given", with_types=True)
    )
    statement = (
        postgresql.insert(table)
        .from_select(names, select(*(recordset.c[name] for name in names)))
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
    )
    payload = {"rows": [{name: _json_value(row[name]) for name in names} for row in rows]}
    if not returning:
        session.execute(statement, payload)
        return []
    return list(session.scalars(statement.returning(table.c.id), payload))


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):  # the column type's own check: aware, then in UTC
        return _UTC.process_bind_param(value, _POSTGRESQL).isoformat()  # type: ignore[union-attr]
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
