"""indexes for the tick at scale

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 01:39:04.313830

The minute tick asks "which series run short of meetings", "which prompts and follow-ups are
due" and "which meetings ended unrecorded". benchmarks/scheduler_scale.py (100,000 series): without
ix_series_to_extend and ix_meeting_status_ends_at an idle tick read every active series and every
scheduled meeting (2.3 s on SQLite); without `id` in the due indexes PostgreSQL joined and sorted
every due meeting for each batch of 1,000.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROMPT_DUE = sa.text("prompt_queued_at IS NULL")
_FOLLOWUP_DUE = sa.text("followup_queued_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_prompt_due", postgresql_where=_PROMPT_DUE, sqlite_where=_PROMPT_DUE)
        batch_op.create_index(
            "ix_meeting_prompt_due",
            ["prompt_at", "id"],
            unique=False,
            postgresql_where=_PROMPT_DUE,
            sqlite_where=_PROMPT_DUE,
        )
        batch_op.drop_index(
            "ix_meeting_followup_due", postgresql_where=_FOLLOWUP_DUE, sqlite_where=_FOLLOWUP_DUE
        )
        batch_op.create_index(
            "ix_meeting_followup_due",
            ["ends_at", "id"],
            unique=False,
            postgresql_where=_FOLLOWUP_DUE,
            sqlite_where=_FOLLOWUP_DUE,
        )
        batch_op.create_index("ix_meeting_status_ends_at", ["status", "ends_at", "id"], unique=False)

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index("ix_series_to_extend", ["active", "materialised_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index("ix_series_to_extend")

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_status_ends_at")
        batch_op.drop_index(
            "ix_meeting_followup_due", postgresql_where=_FOLLOWUP_DUE, sqlite_where=_FOLLOWUP_DUE
        )
        batch_op.create_index(
            "ix_meeting_followup_due",
            ["ends_at"],
            unique=False,
            postgresql_where=_FOLLOWUP_DUE,
            sqlite_where=_FOLLOWUP_DUE,
        )
        batch_op.drop_index("ix_meeting_prompt_due", postgresql_where=_PROMPT_DUE, sqlite_where=_PROMPT_DUE)
        batch_op.create_index(
            "ix_meeting_prompt_due",
            ["prompt_at"],
            unique=False,
            postgresql_where=_PROMPT_DUE,
            sqlite_where=_PROMPT_DUE,
        )
