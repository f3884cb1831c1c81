"""user text as people meant it

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 22:00:00.000000

Text from a slash command or a DM used to be stored as Slack sent it: "R&D" as "R&amp;D", a colleague
as "<@U123|bob>", "@here" as "<!here>"; shown with another round of escaping, people read "R&amp;D".
Such rows become what the person meant (`bot.slack.text.from_slack`). Modal input never came escaped:
topics and summaries with a "view:" source are left alone. Action items and notes can come from
either and have no source, so they are converted too; a modal-typed "&amp;" among them (unlikely)
becomes "&". The downgrade escapes again (mentions stay, "@here" stays words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.slack.text import escape, from_slack

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, text column, whether rows with a "view:" source are skipped)
_TEXTS = (
    ("topic", "text", True),
    ("pending_topic", "text", False),
    ("action_item", "text", False),
    ("note", "text", False),
)


def upgrade() -> None:
    _convert(from_slack)


def downgrade() -> None:
    _convert(escape)


def _convert(change: Callable[[str], str]) -> None:
    connection = op.get_bind()
    for name, column, has_view_source in _TEXTS:
        table = sa.table(
            name, sa.column("id", sa.Integer), sa.column(column, sa.Text), sa.column("source", sa.String)
        )
        query = sa.select(table.c.id, table.c[column])
        if has_view_source:
            query = query.where(sa.or_(table.c.source.is_(None), ~table.c.source.startswith("view:")))
        updates = [
            {"row_id": row_id, "new_text": change(text)}
            for row_id, text in connection.execute(query)
            if change(text) != text
        ]
        if updates:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values({column: sa.bindparam("new_text")}),
                updates,
            )
