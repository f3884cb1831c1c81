"""series schedule, prompts and outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:48:52.160897
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["person.id"], name=op.f("fk_pending_topic_author_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_topic")),
        sa.UniqueConstraint("source", name=op.f("uq_pending_topic_source")),
    )
    with op.batch_alter_table("pending_topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_topic_author_id"), ["author_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sent", "failed", "dropped", name="delivery_status", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("sent_channel_id", sa.String(length=32), nullable=True),
        sa.Column("sent_ts", sa.String(length=32), nullable=True),
        sa.Column("sent_at", bot.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_outbox_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["person.id"], name=op.f("fk_outbox_recipient_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_outbox_sent_message", ["sent_channel_id", "sent_ts"], unique=False)

    # New NOT NULL columns are added empty, filled from what rows already hold, then tightened.
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt_at", bot.store.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("prompt_queued_at", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("question_key", sa.String(length=64), nullable=True))
    op.execute("UPDATE meeting SET prompt_at = starts_at")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.alter_column(
            "prompt_at", nullable=False, existing_type=bot.store.base.UTCDateTime(timezone=True)
        )
        batch_op.create_index(
            "ix_meeting_prompt_due",
            ["prompt_at"],
            unique=False,
            postgresql_where=sa.text("prompt_queued_at IS NULL"),
            sqlite_where=sa.text("prompt_queued_at IS NULL"),
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dm_channel_id", sa.String(length=32), nullable=True))

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("materialised_until", bot.store.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE series SET materialised_until = created_at")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.alter_column(
            "materialised_until", nullable=False, existing_type=bot.store.base.UTCDateTime(timezone=True)
        )

    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_topic_source"), ["source"])


def downgrade() -> None:
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_topic_source"), type_="unique")
        batch_op.drop_column("source")

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("materialised_until")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("dm_channel_id")

    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_meeting_prompt_due",
            postgresql_where=sa.text("prompt_queued_at IS NULL"),
            sqlite_where=sa.text("prompt_queued_at IS NULL"),
        )
        batch_op.drop_column("question_key")
        batch_op.drop_column("prompt_queued_at")
        batch_op.drop_column("prompt_at")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_sent_message")
        batch_op.drop_index(batch_op.f("ix_outbox_meeting_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("pending_topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_topic_author_id"))

    op.drop_table("pending_topic")
