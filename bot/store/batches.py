"""A batch's ids in one query: `column IN ids`, as one parameter on PostgreSQL.

psycopg adapts every parameter of a statement in Python and caches no plan past 50 of them, so an IN list
of 1,000 ids costs about 5 ms a query against 1 ms for one array; the clock's prompt path asks several
such questions for every batch of 1,000 meetings (benchmarks/RESULTS.md, "Scheduler scale").
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, BindParameter, ColumnElement, Integer, any_, literal
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import TypeEngine


def among(session: Session, column: InstrumentedAttribute[int], ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `column = ANY(:ids)`, one array parameter."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(array_parameter(sorted(ids), Integer))
    return column.in_(ids)


def array_parameter(values: Collection[Any], item: type[TypeEngine[Any]]) -> BindParameter[Any]:
    """PostgreSQL: `values` as one array parameter (e.g. to `unnest` a batch's columns in order)."""
    return literal(list(values), ARRAY(item))
