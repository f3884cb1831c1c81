"""history search

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 06:00:00.000000

Full-text search of a pair's history (issue 14, part 4) over key points, topics, action items and private
notes, in each database's own engine; bot/store/search.py queries it by the names made here.

SQLite: one FTS5 table per searched table, external content (the words live once, in the table itself;
the index holds only tokens), `porter unicode61` (stems "hiring" and "hired" alike, folds case and
accents), kept in step by triggers on insert, update and delete, and filled by 'rebuild'. Beside the text
it indexes the row's scope, the column every search is confined to (the pair; a summary's author, as a
summary has no pair of its own): a search then reads one pair's part of the index, however common its
words are in everyone else's 1:1s. Both values are the row's own, so a delete (a cascade too) always
tells the index exactly what it held. An index of 3-letter prefixes makes a short prefix ("pro*") one
lookup instead of a merge of every word it begins.

A later migration that rebuilds one of these tables on SQLite (batch mode copies, drops and renames it)
drops its triggers with it: such a migration must create them again (tests/store/test_search.py fails
if the index falls out of step at head).

PostgreSQL: a GIN index on `to_tsvector('english', <text>)` per table; queries repeat that expression
exactly, so the planner can use the index. Creating it indexes the rows already there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The searched tables, their text column and (SQLite) their scope column; the index of `summary` is
# `search_summary` (SQLite) or `ix_search_summary` (PostgreSQL). The migration's own snapshot of them.
SEARCHED = {
    "summary": ("key_points", "author_id"),
    "topic": ("text", "pair_id"),
    "action_item": ("text", "pair_id"),
    "note": ("text", "pair_id"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, (column, scope) in SEARCHED.items():
            _sqlite_up(table, column, scope)
    else:
        for table, (column, _) in SEARCHED.items():
            op.execute(
                f"CREATE INDEX ix_search_{table} ON {table} USING gin (to_tsvector('english', {column}))"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
            op.execute(f"DROP TABLE IF EXISTS search_{table}")  # its shadow tables go with it
    else:
        for table in SEARCHED:
            op.execute(f"DROP INDEX IF EXISTS ix_search_{table}")


def _sqlite_up(table: str, column: str, scope: str) -> None:
    fts = f"search_{table}"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5("
        f"{column}, {scope}, content='{table}', content_rowid='id', tokenize='porter unicode61', prefix='3')"
    )
    # An external-content index is told what a row held when it goes: 'delete' with the old values.
    add = f"INSERT INTO {fts}(rowid, {column}, {scope}) VALUES (new.id, new.{column}, new.{scope});"
    columns = f"{fts}, rowid, {column}, {scope}"
    remove = f"INSERT INTO {fts}({columns}) VALUES ('delete', old.id, old.{column}, old.{scope});"
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column}, {scope} ON {table} BEGIN {remove} {add} END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # the rows already there
