"""Every revision upgrades and downgrades cleanly, and head matches the models, on both databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, make_url, text

from bot.store import migrations
from bot.store.base import Base
from bot.store.db import make_engine


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the kind the suite runs on (SQLite, or TEST_DATABASE_URL's server)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    name = f"round_trip_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


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
