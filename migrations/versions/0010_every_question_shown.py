"""every question shown

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 00:30:00.000000

A pair's question history was read from its meetings' `question_key`, which holds only the latest
question of a meeting: a missed meeting rebooked and prompted again overwrote the question its first
prompt showed, and that question came round again within the same round of the bank. Every question
shown now gets a row; the meetings' keys seed it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_shown",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("shown_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_question_shown_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_shown")),
    )
    with op.batch_alter_table("question_shown", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_shown_pair_id"), ["pair_id"], unique=False)
    op.execute(
        sa.text(
            "INSERT INTO question_shown (pair_id, question_key, shown_at) "
            "SELECT pair_id, question_key, COALESCE(prompt_queued_at, starts_at) FROM meeting "
            "WHERE question_key IS NOT NULL ORDER BY prompt_queued_at, id"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("question_shown", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_shown_pair_id"))
    op.drop_table("question_shown")
