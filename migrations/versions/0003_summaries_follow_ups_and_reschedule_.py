"""summaries, follow-ups and reschedule nudges

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:01:46.501363
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("key_points", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_summary_author_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_summary_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary")),
        sa.UniqueConstraint("source", name=op.f("uq_summary_source")),
    )
    with op.batch_alter_table("summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_summary_meeting_id"), ["meeting_id"], unique=False)

    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_item_meeting_id"), ["meeting_id"], unique=False)

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followup_queued_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("nudge_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("last_nudged_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("offered_slots", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_meeting_followup_due",
            ["ends_at"],
            unique=False,
            postgresql_where=sa.text("followup_queued_at IS NULL"),
            sqlite_where=sa.text("followup_queued_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_meeting_followup_due",
            postgresql_where=sa.text("followup_queued_at IS NULL"),
            sqlite_where=sa.text("followup_queued_at IS NULL"),
        )
        batch_op.drop_column("offered_slots")
        batch_op.drop_column("last_nudged_at")
        batch_op.drop_column("nudge_count")
        batch_op.drop_column("followup_queued_at")

    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_item_meeting_id"))

    with op.batch_alter_table("summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_summary_meeting_id"))

    op.drop_table("summary")
