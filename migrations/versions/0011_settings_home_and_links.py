"""settings, the home tab and topic links

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 02:30:00.000000

A person's own settings (working days and hours for reschedule slots, how long before a meeting they are
asked for topics, whether they get the question suggestion) and when they last opened the bot's Home tab
(only people who did are re-published to). A series keeps the longer of its two people's own lead times,
so its meetings' prompt time is the earliest either is asked. A topic made from a Slack message keeps a
link back to it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_days", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("work_start", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("work_end", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("prompt_lead_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("question_suggestions", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("home_opened_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("people_lead_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_column("link")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("people_lead_minutes")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("home_opened_at")
        batch_op.drop_column("question_suggestions")
        batch_op.drop_column("prompt_lead_minutes")
        batch_op.drop_column("work_end")
        batch_op.drop_column("work_start")
        batch_op.drop_column("work_days")
