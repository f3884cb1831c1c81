"""an index for calendars due a read

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 09:15:00.000000

The clock asks every minute which people's busy calendars are due a read (bot/store/busy.py). Without an
index on `person.busy_url` that reads every person: 10 ms at 200,000 people, 99 ms at 2,000,000 (issue 17,
benchmarks/RESULTS.md "Scheduler scale"). A partial index holds only the people who set a calendar.
Plain CREATE INDEX on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("busy_url IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_person_busy_url", "person", ["id"], postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_person_busy_url", table_name="person")
