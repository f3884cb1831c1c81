"""coaching

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 04:40:00.000000

Coaching depth (issue 14): a pulse check per person and meeting, a topic's template and whether it is held
back until its meeting, what a summary recorded per template step, the questions a pair retired, and each
person's pulse settings.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_retired",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("retired_by_id", sa.Integer(), nullable=False),
        sa.Column("retired_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_question_retired_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["retired_by_id"],
            ["person.id"],
            name=op.f("fk_question_retired_retired_by_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_retired")),
        sa.UniqueConstraint("pair_id", "question_key", name=op.f("uq_question_retired_pair_id_question_key")),
    )
    op.create_table(
        "pulse_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("happy", sa.Integer(), nullable=True),
        sa.Column("challenged", sa.Integer(), nullable=True),
        sa.Column("stressed", sa.Integer(), nullable=True),
        sa.Column("engaged", sa.Integer(), nullable=True),
        sa.Column("updated_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_pulse_check_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["pair.id"], name=op.f("fk_pulse_check_pair_id_pair"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_pulse_check_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_check")),
        sa.UniqueConstraint("meeting_id", "person_id", name=op.f("uq_pulse_check_meeting_id_person_id")),
    )
    with op.batch_alter_table("pulse_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_check_pair_id"), ["pair_id"], unique=False)

    op.create_table(
        "template_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", bot.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["summary_id"],
            ["summary.id"],
            name=op.f("fk_template_outcome_summary_id_summary"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topic.id"], name=op.f("fk_template_outcome_topic_id_topic"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_outcome")),
        sa.UniqueConstraint(
            "summary_id", "topic_id", "step", name=op.f("uq_template_outcome_summary_id_topic_id_step")
        ),
    )
    with op.batch_alter_table("template_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_template_outcome_summary_id"), ["summary_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_template_outcome_topic_id"), ["topic_id"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pulse_as_report", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("pulse_as_manager", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "plain",
                    "grow",
                    "career",
                    "feedback",
                    "concern",
                    name="topic_kind",
                    native_enum=False,
                    length=16,
                ),
                server_default="plain",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("held_back", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_column("held_back")
        batch_op.drop_column("kind")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("pulse_as_manager")
        batch_op.drop_column("pulse_as_report")

    with op.batch_alter_table("template_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_outcome_topic_id"))
        batch_op.drop_index(batch_op.f("ix_template_outcome_summary_id"))

    op.drop_table("template_outcome")
    with op.batch_alter_table("pulse_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_check_pair_id"))

    op.drop_table("pulse_check")
    op.drop_table("question_retired")
