"""a request claimed before it is handled

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:30:00.000000

A Slack request's key used to be written after it was handled, so a retry arriving while the first
delivery was still running (Slack's `http_timeout`, a Socket Mode redelivery) was handled a second time.
Now the key is claimed first and marked `done` once handled; rows written before were all handled.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    # A claim still in flight was never handled: forgetting it lets Slack's next retry through.
    op.execute(sa.text("DELETE FROM slack_request WHERE NOT done"))
    with op.batch_alter_table("slack_request", schema=None) as batch_op:
        batch_op.drop_column("done")
