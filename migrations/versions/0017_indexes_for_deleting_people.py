"""indexes for deleting people and workspaces

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 06:05:00.000000

Deleting a person, a pair or a meeting makes the database look for the rows that point at it (to cascade
or to set them null). Without an index on the pointing column that is a scan of the whole table for each
row deleted: deleting a left workspace of 13,000 meetings took 14 s on SQLite, holding the write lock
(issue 15). Plain CREATE INDEX on both databases: no batch rebuild, which on SQLite would drop the search
index's triggers on `topic`, `summary`, `action_item` and `note` (migration 0015).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("action_item", "created_by_id"),
    ("action_item", "owner_id"),
    ("handoff_request", "new_manager_id"),
    ("handoff_request", "requested_by_id"),
    ("note", "author_id"),
    ("note", "meeting_id"),
    ("pair", "manager_id"),
    ("pulse_check", "person_id"),
    ("question_retired", "retired_by_id"),
    ("series", "created_by_id"),
    ("summary", "author_id"),
    ("topic", "author_id"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
