"""The search index of migration 0015, on both databases: kept in step with every insert, update and delete,
built from the rows already there on upgrade, gone on downgrade; the queries use it; words are only words."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, event, inspect, select, text, update
from sqlalchemy.orm import Session

from bot.services import actions, series, summaries, topics
from bot.services.agenda import add_note
from bot.services.pairs import Actor
from bot.services.summaries import SummaryInput
from bot.store import migrations
from bot.store.base import Base
from bot.store.db import SessionFactory, make_engine, make_session_factory
from bot.store.models import ActionItem, Meeting, Note, Pair, Person, Summary, Topic
from bot.store.search import MAX_TERMS, include_name, is_search_object, matches, terms, tsvector_holds
from tests.databases import throwaway_postgres_database

T = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ALICE = Actor("T0001", "UALICE01")
SEARCHED = {Summary: Summary.key_points, Topic: Topic.text, ActionItem: ActionItem.text, Note: Note.text}


def set_up(sessions: SessionFactory) -> int:
    """Alice meets Bob weekly; a topic, an action item, a note and a summary of the first meeting, each
    mentioning a zeppelin. Returns the first meeting's id."""
    request = series.ScheduleRequest("UBOB0001", "weekly", 1, time(10))
    series.schedule(sessions, T, ALICE, request, "Europe/Berlin", zones={"UBOB0001": "Europe/Berlin"})
    topics.add_topic(sessions, T, ALICE, None, "Zeppelin topic")
    actions.add_action(sessions, T, ALICE, None, "Zeppelin action", None, None)
    add_note(sessions, T, ALICE, None, "Zeppelin note")
    with sessions() as session:
        first = session.scalars(select(Meeting.id).order_by(Meeting.starts_at)).first()
    assert first is not None
    summaries.submit_summary(
        sessions, T + timedelta(days=1), ALICE, SummaryInput(first, "view:1", "Zeppelin kp")
    )
    return first


def found(session: Session, model: Any, words: str, within: list[int] | None = None) -> list[str]:
    """The texts of `model`'s rows that hold every one of the words, in the scope `within` (by default
    everyone's: every pair, or every author of a summary)."""
    column = SEARCHED[model]
    if within is None:
        within = list(session.scalars(select(Person.id if model is Summary else Pair.id)))
    query = select(column).where(matches(session, column, terms(words), within)).order_by(model.id)
    return list(session.scalars(query))


# ------------------------------------------------------------------------------------------------ the terms


def test_words_become_terms_and_never_operators() -> None:
    assert terms('"Budget" *hiring* -plan NEAR/3 OR key_points:x') == [
        "budget",
        "hiring",
        "plan",
        "near",
        "3",
        "key",
        "points",
        "x",
    ]
    assert terms("Plan plan PLAN") == ["plan"]
    assert terms("the of AND or") == []  # common words: neither database indexes them
    assert terms("Über café 日本語 😀 ٣") == ["über", "café", "日本語", "٣"]
    assert terms("& | ! <-> :* ( ) ' \\ ^ { }") == []
    assert len(terms(" ".join(f"w{n}" for n in range(100)))) == MAX_TERMS


def test_only_the_search_index_is_left_out_of_comparing_models_and_migrations() -> None:
    for name in ("search_topic", "search_topic_data", "search_note_idx"):
        assert is_search_object(name, "table") and not include_name(name, "table", {})
    assert is_search_object("ix_search_summary", "index")
    for name, kind in (("topic", "table"), ("summary", "table"), ("ix_topic_pair_id", "index")):
        assert not is_search_object(name, kind) and include_name(name, kind, {})
    assert not is_search_object("search_topic", "column")


# --------------------------------------------------------------------------------------- kept in step


def test_every_searched_table_is_indexed_as_rows_come_change_and_go(sessions: SessionFactory) -> None:
    set_up(sessions)
    with sessions() as session:
        for model in SEARCHED:
            assert len(found(session, model, "zeppelin")) == 1, model

    with sessions.begin() as session:
        for model, column in SEARCHED.items():
            session.execute(update(model).values({column.key: "Quarterly budget review"}))
    with sessions() as session:
        for model in SEARCHED:
            assert found(session, model, "zeppelin") == [], model
            assert found(session, model, "budgets quarter") == ["Quarterly budget review"], model

    with sessions.begin() as session:
        for model in SEARCHED:
            session.execute(delete(model))
    with sessions() as session:
        for model in SEARCHED:
            assert found(session, model, "budget") == [], model


def test_stems_prefixes_and_every_word_required(sessions: SessionFactory) -> None:
    set_up(sessions)
    with sessions.begin() as session:
        session.execute(update(Topic).values(text="Hiring two engineers for the promotion committee"))

    with sessions() as session:
        assert len(found(session, Topic, "hired engineer")) == 1  # stems
        assert len(found(session, Topic, "promo commit")) == 1  # prefixes of three letters or more
        assert found(session, Topic, "hiring budget") == []  # every word
        assert found(session, Topic, "tw") == []  # shorter: whole words only
        assert found(session, Topic, "") == []


def test_a_search_is_confined_to_its_scope_even_where_the_words_are_everyones(
    sessions: SessionFactory,
) -> None:
    set_up(sessions)
    carol = Actor("T0001", "UCAROL01")
    request = series.ScheduleRequest("UDAVE001", "weekly", 2, time(10))
    series.schedule(sessions, T, carol, request, "Europe/Berlin", zones={"UDAVE001": "Europe/Berlin"})
    topics.add_topic(sessions, T, carol, None, "Zeppelin topic of theirs")
    with sessions() as session:
        ours, theirs = session.scalars(select(Pair.id).order_by(Pair.id)).all()
        two = select(Person.id).where(Person.slack_user_id.in_(["UALICE01", "UBOB0001"]))
        alice_and_bob = list(session.scalars(two))

        assert found(session, Topic, "zeppelin", [ours]) == ["Zeppelin topic"]
        assert found(session, Topic, "zeppelin", [theirs]) == ["Zeppelin topic of theirs"]
        assert found(session, Topic, "zeppelin", [ours, theirs]) == [
            "Zeppelin topic",
            "Zeppelin topic of theirs",
        ]
        assert found(session, Summary, "zeppelin", alice_and_bob) == ["Zeppelin kp"]
        assert found(session, Topic, "zeppelin", []) == []
        # An id is a scope, never a word: the pair's id in the words is looked for in the text only.
        assert found(session, Topic, str(ours), [ours]) == []


@pytest.mark.parametrize(
    "words",
    ['"', "*", "-", "NEAR(a b)", "a OR b", "col:x", "^x", "{a}: b", "x & !y", "'", "\\", "😀", "z" * 500],
)
def test_no_words_are_a_syntax_error(sessions: SessionFactory, words: str) -> None:
    set_up(sessions)
    with sessions() as session:
        for model in SEARCHED:
            assert found(session, model, words) == []


# --------------------------------------------------------------------------------------------- the plans


def plan_of(session: Session, query: Any) -> str:
    """The plan the database chooses for `query`, sent as the app sends it (its parameters bound)."""
    connection = session.connection()
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        session.execute(query).all()
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    ((statement, parameters),) = sent
    explain = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters))


def test_each_search_is_answered_from_its_index(sessions: SessionFactory, engine: Engine) -> None:
    set_up(sessions)
    sqlite = engine.dialect.name == "sqlite"
    with sessions.begin() as session:
        if not sqlite:
            # Four rows: forbid the scan, so a query whose expression can't use the index shows it.
            session.execute(text("SET LOCAL enable_seqscan = off"))
        for model, column in SEARCHED.items():
            # PostgreSQL: the text's own condition (with the pair's too, a tiny table is read by pair).
            holds = (
                matches(session, column, terms("zeppelin"), [1, 2])
                if sqlite
                else tsvector_holds(column, ["zeppelin"])
            )
            query = select(model.id).where(holds)
            plan = plan_of(session, query)
            expected = f"SCAN search_{model.__tablename__} VIRTUAL TABLE INDEX" if sqlite else "ix_search_"
            assert (expected + ("" if sqlite else model.__tablename__)) in plan, plan


# ----------------------------------------------------------------------------------------- the migration


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'search.db'}"
        return
    with throwaway_postgres_database(url, "search") as database_url:
        yield database_url


def search_objects(engine: Engine) -> set[str]:
    names = set(inspect(engine).get_table_names())
    for table in ("summary", "topic", "action_item", "note"):
        names |= {index["name"] or "" for index in inspect(engine).get_indexes(table)}
    return {name for name in names if "search" in name}


def test_upgrade_indexes_the_rows_already_there_and_downgrade_leaves_them_and_no_index(
    empty_database: str,
) -> None:
    migrations.upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        sessions = make_session_factory(engine)
        set_up(sessions)
        migrations.downgrade(empty_database, "0014")
        inspect(engine).clear_cache()
        assert search_objects(engine) == set()
        with engine.connect() as connection:  # the rows stay
            assert connection.scalar(text("SELECT count(*) FROM topic WHERE text = 'Zeppelin topic'")) == 1

        migrations.upgrade(empty_database)

        inspect(engine).clear_cache()
        assert search_objects(engine)
        with sessions() as session:
            for model in SEARCHED:
                assert len(found(session, model, "zeppelin")) == 1, model
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": include_name})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
