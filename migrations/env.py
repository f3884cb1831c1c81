"""Alembic environment: shares the models' metadata; batch mode so SQLite can alter tables."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.store import models  # noqa: F401  (registers the tables on Base.metadata)
from bot.store.base import Base
from bot.store.db import CONNECT_TIMEOUT_SECONDS, make_engine
from bot.store.search import include_name

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("database_url")
    return (
        str(url) if url is not None else Settings.from_env().database().render_as_string(hide_password=False)
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,  # the search index is the migrations' alone (0015)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = _url()
    # A migration may rewrite a big table: none of the app's statement and lock limits here.
    server = make_url(url).get_backend_name() == "postgresql"
    unlimited = {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}} if server else {}
    engine = make_engine(url, **unlimited)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode rebuilds a SQLite table (copy, drop, rename); with foreign keys on, dropping the old
    # table deletes every row that cascades from it (a person's pairs, meetings, topics…). SQLite ignores
    # the pragma inside a transaction, so it is set on the driver's connection before Alembic begins one.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            include_name=include_name,  # the search index is the migrations' alone (0015)
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection, *, on: bool) -> None:  # type: ignore[no-untyped-def]
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
