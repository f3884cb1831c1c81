"""What tests read back from the database, whichever way they drove the bot: the whole database as
comparable text (to check what a request changed, or that it changed nothing: contents, not just counts),
and who leads a pair."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person

Rows = dict[str, list[tuple[str, ...]]]


def every_row(sessions: SessionFactory, leave_out: Collection[str] = ()) -> Rows:
    """Every row of every table but those named in `leave_out`, sorted, each value as its repr."""
    with sessions() as session:
        return {
            table.name: sorted(tuple(repr(value) for value in row) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name not in leave_out
        }


def changed(before: Rows, after: Rows) -> set[str]:
    """The tables whose rows differ between two readings."""
    return {name for name in before if before[name] != after[name]}


def manager_of_the_pair(sessions: SessionFactory) -> str:
    """The Slack id of the manager of the one pair there is."""
    with sessions() as session:
        pair = session.scalars(select(Pair)).one()
        manager = session.get(Person, pair.manager_id)
        assert manager is not None
        return manager.slack_user_id
