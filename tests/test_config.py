from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///oneonone.db"
    assert settings.port == 3000
    assert settings.slack_api_url is None
    assert not settings.socket_mode


def test_api_url_gets_the_trailing_slash_slack_sdk_needs() -> None:
    assert (
        Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url
        == "http://127.0.0.1:9/api/"
    )


@pytest.mark.parametrize(
    ("env", "http", "fragment"),
    [
        ({}, True, "SLACK_BOT_TOKEN is not set"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, True, "starting with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, True, "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, False, "starting with xapp-"),
    ],
)
def test_missing_or_wrong_tokens(env: dict[str, str], http: bool, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env(env).require_slack(http=http)


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.socket_mode
    settings.require_slack(http=False)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("not a url", "not a database URL"), ("mysql://x@y/z", "SQLite or PostgreSQL")],
)
def test_unusable_database_url(url: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        Settings.from_env({"DATABASE_URL": url}).database()


def test_plain_postgresql_url_uses_psycopg3() -> None:
    url = Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"}).database()
    assert url.drivername == "postgresql+psycopg"


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_bad_port(port: str) -> None:
    with pytest.raises(ConfigError, match="PORT"):
        Settings.from_env({"PORT": port})


def test_retention_defaults_keep_content_and_delete_a_left_workspace_after_30_days() -> None:
    settings = Settings.from_env({})
    assert settings.uninstall_retention_days == 30
    assert settings.content_retention_months is None


def test_retention_settings_are_read() -> None:
    settings = Settings.from_env({"UNINSTALL_RETENTION_DAYS": "0", "CONTENT_RETENTION_MONTHS": " 24 "})
    assert settings.uninstall_retention_days == 0  # at the clock's next run
    assert settings.content_retention_months == 24


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"UNINSTALL_RETENTION_DAYS": "-1"}, "UNINSTALL_RETENTION_DAYS must be a whole number of days"),
        ({"UNINSTALL_RETENTION_DAYS": "thirty"}, "got 'thirty'"),
        (
            {"CONTENT_RETENTION_MONTHS": "0"},
            "CONTENT_RETENTION_MONTHS must be a whole number of months (at least 1)",
        ),
        ({"CONTENT_RETENTION_MONTHS": "1.5"}, "got '1.5'"),
    ],
)
def test_bad_retention_settings(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    assert fragment in str(error.value)
