"""display names

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 03:40:00.000000

A person's name as Slack shows it (from the users.info answer the bot already reads for their zone, and from
`user_change`), so a calendar feed can name the two people of a 1:1: a calendar can't show a Slack mention.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("display_name")
