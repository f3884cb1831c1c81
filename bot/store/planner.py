"""Hints for the query planners: SQL that means the same on both databases but steers one planner off a
plan it would pick wrongly. Each hint compiles to the plain expression where it is not needed."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class NotByIndex(ColumnElement[Any]):
    """A column to order by that SQLite must not read in an index's order: `+column`, SQLite's documented
    no-op that keeps the planner off an index for that term (sqlite.org/optoverview.html). In the next-meeting
    subquery it otherwise walked the (status, starts_at) index over every pair's meetings, for the order,
    instead of looking this pair's up by (pair_id, status, ends_at). Elsewhere the plain column."""

    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(NotByIndex)
def _plain(element: NotByIndex, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(NotByIndex, "sqlite")
def _unary_plus(element: NotByIndex, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))
