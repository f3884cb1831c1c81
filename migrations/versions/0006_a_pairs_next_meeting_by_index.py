"""a pair's next meeting by index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:15:00.000000

Every command that names a 1:1 asks for the pair's next meeting (pair, scheduled, not yet ended,
earliest start). With only ix_meeting_pair_id and ix_meeting_status_ends_at, SQLite and PostgreSQL
both chose the latter and filtered every pair's future meetings by pair: 2.2 ms a command at 1,000
pairs on SQLite, growing with the workspace (benchmarks/ack_latency.py). (pair_id, status, ends_at)
matches all three conditions, so both planners take it without statistics, and it serves every
lookup by pair_id the old index did.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_meeting_pair_id_status_ends_at", ["pair_id", "status", "ends_at"], unique=False
        )
        batch_op.drop_index("ix_meeting_pair_id")


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_pair_id", ["pair_id"], unique=False)
        batch_op.drop_index("ix_meeting_pair_id_status_ends_at")
