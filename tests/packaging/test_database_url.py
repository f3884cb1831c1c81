"""DATABASE_URL as hosts hand it out: postgres:// (Heroku, Fly) and postgresql:// reach psycopg 3."""

from __future__ import annotations

import sys

import pytest

from bot.config import ConfigError, Settings


def database(url: str):  # type: ignore[no-untyped-def]
    return Settings.from_env({"DATABASE_URL": url}).database()


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:s3cret@db.example.com:5432/oneonone",
        "postgresql://app:s3cret@db.example.com:5432/oneonone",
        "postgresql+psycopg://app:s3cret@db.example.com:5432/oneonone",
    ],
)
def test_postgres_urls_use_psycopg_3_and_keep_everything_else(url: str) -> None:
    parsed = database(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.username, parsed.password, parsed.host, parsed.port, parsed.database) == (
        "app",
        "s3cret",
        "db.example.com",
        5432,
        "oneonone",
    )


def test_a_postgres_url_keeps_its_query_options() -> None:
    parsed = database("postgres://app@db.example.com/oneonone?sslmode=require")
    assert parsed.drivername == "postgresql+psycopg"
    assert dict(parsed.query) == {"sslmode": "require"}


def test_an_explicit_other_driver_is_left_alone() -> None:
    # Someone who names a driver means it: only the bare names are mapped.
    assert database("postgresql+psycopg2://app@db/oneonone").drivername == "postgresql+psycopg2"


def test_sqlite_is_unchanged() -> None:
    parsed = database("sqlite:///data/oneonone.db")
    assert (parsed.drivername, parsed.database) == ("sqlite", "data/oneonone.db")


def test_without_psycopg_a_postgres_url_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the postgres extra were not installed
    with pytest.raises(ConfigError) as raised:
        database("postgres://app@db.example.com/oneonone")
    message = str(raised.value)
    assert "pip install 'oneonone-bot[postgres]'" in message
    assert "\n" not in message
    database("sqlite:///oneonone.db")  # SQLite needs no driver of ours


@pytest.mark.parametrize("url", ["mysql://app@db/oneonone", "postgres"])
def test_other_databases_and_non_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        database(url)


def test_an_unreadable_url_is_named_without_its_password() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL is not a database URL") as refused:
        database("postgres//admin:hunter2@db.example.com:5432/oneonone")
    assert "hunter2" not in str(refused.value) and "//***@db.example.com" in str(refused.value)
