"""handled slack requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 01:14:27.029555
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_request",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("handled_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_slack_request")),
    )
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_request_handled_at"), ["handled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_request_handled_at"))

    op.drop_table("slack_request")
