"""Full-text search in each database's own engine: SQLite FTS5, PostgreSQL `tsvector` (migration 0015).

Words people type are never handed to either engine's query syntax: they are cut into terms (runs of
letters and digits), and the query is built from those, every term required, each term of three
characters or more also matching as a prefix ("promo" finds "promotion"). So quotes, `*`, `-`, `NEAR`,
`OR`, `:` or `&` are only ever words or gaps between them, never operators, and no input is a syntax error.
Common English words are left out on both databases, as PostgreSQL's `english` configuration leaves them
out of what it indexes, so the same words find the same meetings on either.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, and_, column, false, func, literal_column, select, table
from sqlalchemy.orm import InstrumentedAttribute, Session

MAX_TERMS = 32  # a query of more (only a crafted one has that many) keeps its first 32
PREFIX_FROM = 3  # shorter terms match whole words only: "a*" would read most of an index
_TERM = re.compile(r"[^\W_]+")  # letters and digits of any script; "_" separates, as both engines do
_ENGLISH = literal_column("'english'")  # a constant, as the index expression has it (not a parameter)
# PostgreSQL's english.stop (share/tsearch_data), which its `english` configuration never indexes.
_ENGLISH_STOP = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she "
    "her hers herself it its itself they them their theirs themselves what which who whom this that "
    "these those am is are was were be been being have has had having do does did doing a an the and "
    "but if or because as until while of at by for with about against between into through during "
    "before after above below to from up down in out on off over under again further then once here "
    "there when where why how all any both each few more most other some such no nor not only own "
    "same so than too very s t can will just don should now"
)
STOP_WORDS = frozenset(_ENGLISH_STOP.split())
# What every search of a table is confined to, indexed beside its text (migration 0015, on SQLite): a
# topic's, action item's or note's pair, and a summary's author (a summary has no pair of its own).
SCOPE = {"summary": "author_id", "topic": "pair_id", "action_item": "pair_id", "note": "pair_id"}


def terms(words: str) -> list[str]:
    """The distinct search terms in `words`, lower-cased, in order, common words left out."""
    found = (term.lower() for term in _TERM.findall(words))
    return list(dict.fromkeys(term for term in found if term not in STOP_WORDS))[:MAX_TERMS]


def matches(
    session: Session, text: InstrumentedAttribute[str], found: list[str], within: Collection[int]
) -> ColumnElement[bool]:
    """A condition on the rows of `text`'s table: the text holds every one of the terms `found`, and the
    row's scope (SCOPE) is one of `within`. No terms: no row (either engine would refuse an empty query)."""
    if not found or not within:
        return false()
    model: Any = text.class_
    scope = getattr(model, SCOPE[model.__tablename__])
    if session.get_bind().dialect.name == "sqlite":
        return model.id.in_(_fts5(model.__tablename__, text.key, scope.key, found, within))
    return and_(scope.in_(list(within)), tsvector_holds(text, found))


def _fts5(table_name: str, text: str, scope: str, found: list[str], within: Collection[int]) -> Any:
    # FTS5's syntax: a quoted string is a term (never an operator), `*` after it a prefix, `column :` a
    # filter. The scope first: the index reads that pair's entries of each term, not the whole workspace's.
    ids = " OR ".join(f'"{int(value)}"' for value in within)
    words = " AND ".join(f'{text} : "{term}"' + ("*" if len(term) >= PREFIX_FROM else "") for term in found)
    index = table(f"search_{table_name}", column("rowid"))
    return select(index.c.rowid).where(
        literal_column(index.name).op("MATCH")(f"{scope} : ({ids}) AND {words}")
    )


def tsvector_holds(text: InstrumentedAttribute[str], found: list[str]) -> ColumnElement[bool]:
    """PostgreSQL: `text` holds every one of the terms `found` (a term or more), by the GIN index's own
    expression."""
    # to_tsquery's syntax: a quoted lexeme, `:*` a prefix, `&` AND. Terms hold no quote or backslash.
    query = " & ".join(f"'{term}'" + (":*" if len(term) >= PREFIX_FROM else "") for term in found)
    # The very expression of the GIN index (migration 0015), so the planner can use it.
    document = func.to_tsvector(_ENGLISH, text)
    return document.op("@@")(func.to_tsquery(_ENGLISH, query))


def is_search_object(name: str | None, type_: str) -> bool:
    """Whether a database object is part of the search index (the migration's, not the models')."""
    if type_ == "table":
        return bool(name and name.startswith("search_"))  # an FTS5 table and its shadow tables
    return type_ == "index" and bool(name and name.startswith("ix_search_"))


def include_name(name: str | None, type_: str, _parents: dict[str, str | None]) -> bool:
    """Alembic's `include_name`: compare the models with everything but the search index."""
    return not is_search_object(name, type_)
