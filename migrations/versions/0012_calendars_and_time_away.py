"""calendars and time away

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:30:00.000000

A person's calendar feed token (hashed), their own calendar's address for busy times (and how its fetches
go), their public holidays' country and region, and an away status from Slack; days away and busy stretches
as rows of their own; a revision on series and meetings for the feed's SEQUENCE, and when the people were
told someone is away for a meeting.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DATETIME = bot.store.base.UTCDateTime(timezone=True)


def _person_columns() -> tuple[sa.Column[object], ...]:  # fresh each time: a Column joins one table
    return (
        sa.Column("calendar_token_hash", sa.String(length=64), nullable=True),
        sa.Column("busy_url", sa.Text(), nullable=True),
        sa.Column("busy_checked_at", _DATETIME, nullable=True),
        sa.Column("busy_etag", sa.String(length=200), nullable=True),
        sa.Column("busy_last_modified", sa.String(length=100), nullable=True),
        sa.Column("busy_error", sa.String(length=200), nullable=True),
        sa.Column("busy_error_told_at", _DATETIME, nullable=True),
        sa.Column("holiday_country", sa.String(length=2), nullable=True),
        sa.Column("holiday_region", sa.String(length=10), nullable=True),
        sa.Column("status_away_until", _DATETIME, nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        for column in _person_columns():
            batch_op.add_column(column)
        batch_op.create_unique_constraint(
            batch_op.f("uq_person_calendar_token_hash"), ["calendar_token_hash"]
        )
    for table in ("series", "meeting"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("away_told_at", _DATETIME, nullable=True))
    op.create_table(
        "time_away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_at", _DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_time_away_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_away")),
    )
    with op.batch_alter_table("time_away", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_time_away_person_id"), ["person_id"], unique=False)
    op.create_table(
        "busy_interval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", _DATETIME, nullable=False),
        sa.Column("ends_at", _DATETIME, nullable=False),
        sa.Column("out_of_office", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_busy_interval_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_busy_interval")),
    )
    with op.batch_alter_table("busy_interval", schema=None) as batch_op:
        batch_op.create_index("ix_busy_interval_person_starts", ["person_id", "starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("busy_interval", schema=None) as batch_op:
        batch_op.drop_index("ix_busy_interval_person_starts")
    op.drop_table("busy_interval")
    with op.batch_alter_table("time_away", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_away_person_id"))
    op.drop_table("time_away")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("away_told_at")
        batch_op.drop_column("revision")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_person_calendar_token_hash"), type_="unique")
        for column in reversed(_person_columns()):
            batch_op.drop_column(column.name)
