"""data ownership

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 05:35:00.000000

People own their data (issue 15): when a person's Slack account was deactivated, when they deleted their
data (the row becomes an anonymous placeholder), a series paused while someone is gone, a workspace that
uninstalled the app, and a manager's request to hand a report's history over to a new manager.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handoff_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("new_manager_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["new_manager_id"],
            ["person.id"],
            name=op.f("fk_handoff_request_new_manager_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_handoff_request_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["person.id"],
            name=op.f("fk_handoff_request_requested_by_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_request")),
    )
    with op.batch_alter_table("handoff_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_request_pair_id"), ["pair_id"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deactivated_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("erased_at", bot.store.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", bot.store.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("uninstalled_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("uninstalled_at")

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("paused_at")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("deactivated_at")

    with op.batch_alter_table("handoff_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_request_pair_id"))

    op.drop_table("handoff_request")
