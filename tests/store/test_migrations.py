"""Every revision upgrades and downgrades cleanly, and head matches the models, on both databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.store import migrations
from bot.store.base import Base
from bot.store.db import make_engine
from tests.databases import throwaway_postgres_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the kind the suite runs on (SQLite, or TEST_DATABASE_URL's server)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    with throwaway_postgres_database(url, "round_trip") as database_url:
        yield database_url


def test_upgrade_downgrade_upgrade_round_trip(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        migrations.upgrade(empty_database)
        assert set(inspect(engine).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}
        migrations.downgrade(empty_database, "base")
        inspect(engine).clear_cache()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(empty_database)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()


def test_each_revision_steps_down_and_up_one_at_a_time(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    for _ in range(5):
        migrations.downgrade(empty_database, "-1")
    migrations.upgrade(empty_database)
