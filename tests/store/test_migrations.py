"""Every revision upgrades and downgrades cleanly, and head matches the models, on both databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text

from bot.services import series
from bot.services.pairs import Actor
from bot.services.tick import run_tick
from bot.store import migrations, search
from bot.store.base import Base
from bot.store.db import make_engine, make_session_factory
from tests.databases import throwaway_postgres_database

T = datetime(2026, 11, 1, tzinfo=UTC)


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
            # The search index's objects (FTS5 tables, GIN indexes) are the migrations' own, not models.
            context = MigrationContext.configure(connection, opts={"include_name": search.include_name})
            diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()


def test_each_revision_steps_down_and_up_one_at_a_time(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    for _ in range(6):
        migrations.downgrade(empty_database, "-1")
    migrations.upgrade(empty_database)


def test_0007_turns_text_stored_as_slack_sent_it_into_what_people_meant_and_back(empty_database: str) -> None:
    migrations.upgrade(empty_database, "0006")
    engine = make_engine(empty_database)
    rows = {
        "cmd": "R&amp;D &lt;Q1&gt; with <@UCAROL01|carol> <!here> <https://x.example|docs>",
        "view": "typed in a modal: &amp; stays",
    }
    try:
        with engine.begin() as connection:
            _insert(connection, "workspace", id=1, slack_team_id="T1")
            _insert(connection, "person", id=1, workspace_id=1, slack_user_id="UALICE01")
            _insert(connection, "person", id=2, workspace_id=1, slack_user_id="UBOB0001")
            _insert(connection, "pair", id=1, workspace_id=1, member_a_id=1, member_b_id=2)
            for topic_id, (source, body) in enumerate(
                ((None, rows["cmd"]), ("view:V1", rows["view"])), start=1
            ):
                _insert(connection, "topic", id=topic_id, pair_id=1, author_id=1, text=body, source=source)
        migrations.upgrade(empty_database, "0007")
        meant = "R&D <Q1> with <@UCAROL01> @here docs (https://x.example)"
        assert _topics(engine) == [meant, rows["view"]]
        migrations.downgrade(empty_database, "0006")
        assert _topics(engine) == [
            "R&amp;D &lt;Q1&gt; with <@UCAROL01> @here docs (https://x.example)",
            rows["view"],
        ]
    finally:
        engine.dispose()


def _topics(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT text FROM topic ORDER BY id")))


def _insert(connection: Connection, table: str, **values: object) -> None:
    defaults = {"topic": {"status": "open", "visibility": "shared"}}.get(table, {})
    row = {**defaults, **values, "created_at": T}
    columns = ", ".join(row)
    connection.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row
    )


def test_0010_seeds_every_pairs_question_history_from_its_meetings(empty_database: str) -> None:
    migrations.upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        sessions = make_session_factory(engine)
        request = series.ScheduleRequest("UBOB0001", "weekly", 1, time(10))
        series.schedule(sessions, T, Actor("T0001", "UALICE01"), request, "Europe/Berlin")
        for week in range(3):  # three prompts, three questions
            run_tick(sessions, T + timedelta(weeks=week, days=1, hours=12))  # between prompt and meeting
        with engine.connect() as connection:
            shown = list(
                connection.execute(text("SELECT pair_id, question_key FROM question_shown ORDER BY id"))
            )
            keys = list(
                connection.execute(
                    text(
                        "SELECT pair_id, question_key FROM meeting WHERE question_key IS NOT NULL ORDER BY id"
                    )
                )
            )
        assert len(shown) == 3 and shown == keys
        migrations.downgrade(empty_database, "0009")
        migrations.upgrade(empty_database, "0010")
        with engine.connect() as connection:
            seeded = list(
                connection.execute(text("SELECT pair_id, question_key FROM question_shown ORDER BY id"))
            )
        assert seeded == shown
    finally:
        engine.dispose()


def test_a_downgrade_that_rebuilds_a_table_keeps_every_row_that_refers_to_it(empty_database: str) -> None:
    """0011's downgrade drops columns of `person`: SQLite's batch mode rebuilds that table, and its DROP TABLE
    must not cascade (the app's connections turn foreign keys on) into pairs, meetings or topics."""
    migrations.upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        sessions = make_session_factory(engine)
        request = series.ScheduleRequest("UBOB0001", "weekly", 1, time(10))
        series.schedule(sessions, T, Actor("T0001", "UALICE01"), request, "Europe/Berlin")
        with engine.begin() as connection:
            _insert(connection, "topic", pair_id=1, author_id=1, text="Budget")

        def counts() -> dict[str, int]:
            with engine.connect() as connection:
                return {
                    table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
                    for table in ("person", "pair", "series", "meeting", "topic", "outbox")
                }

        before = counts()
        assert before["meeting"] > 0 and before["topic"] == 1
        migrations.downgrade(empty_database, "0010")
        assert counts() == before
        migrations.upgrade(empty_database)
        assert counts() == before
    finally:
        engine.dispose()
