"""Settings from the environment (DESIGN.md, "Contracts")."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.store.space import DEFAULT_MIN_FREE_MB

DEFAULT_DATABASE_URL = "sqlite:///oneonone.db"
DEFAULT_PORT = 3000
DEFAULT_UNINSTALL_RETENTION_DAYS = 30  # then an uninstalled workspace's data is deleted
DEFAULT_HOST = "0.0.0.0"
LOG_FORMATS = ("text", "json")


class ConfigError(Exception):
    """A setting is missing or unusable; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    database_url: str
    slack_api_url: str | None
    port: int
    # SQLite: a process refuses to start with less than this free on the database's disk (0: no check).
    min_free_mb: int = DEFAULT_MIN_FREE_MB
    # Where people's calendar feeds are reachable (https://bot.example.com); None: feeds are off.
    public_url: str | None = None
    # Tests only: fetch busy calendars from plain http and private, loopback or link-local addresses.
    calendar_fetch_private: bool = False
    # A workspace that uninstalled the app has its data deleted this many days later (issue 15).
    uninstall_retention_days: int = DEFAULT_UNINSTALL_RETENTION_DAYS
    # Meeting content older than this many months is deleted by the clock; None keeps everything.
    content_retention_months: int | None = None
    # Many workspaces (issue 16): Bolt's OAuth flow at /slack/install; installations kept in the database,
    # their tokens encrypted with TOKEN_ENCRYPTION_KEY (Fernet keys, comma-separated: the first encrypts).
    client_id: str | None = None
    client_secret: str | None = None
    state_secret: str | None = None
    token_keys: tuple[str, ...] = ()
    # The address the HTTP server listens on.
    host: str = DEFAULT_HOST
    # "text" (one line per record) or "json" (one JSON object per line).
    log_format: str = "text"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        port_text = env.get("PORT", str(DEFAULT_PORT))
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"PORT must be a number, got {port_text!r}") from None
        if not 0 < port < 65536:
            raise ConfigError(f"PORT must be between 1 and 65535, got {port}")
        min_free_text = env.get("DATABASE_MIN_FREE_MB") or str(DEFAULT_MIN_FREE_MB)
        if not (min_free_text.isascii() and min_free_text.isdigit()):
            raise ConfigError(f"DATABASE_MIN_FREE_MB must be a whole number of MB, got {min_free_text!r}")
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            slack_api_url=_api_url(env.get("SLACK_API_URL")),
            port=port,
            min_free_mb=int(min_free_text),
            public_url=_public_url(env.get("PUBLIC_URL")),
            calendar_fetch_private=(env.get("CALENDAR_FETCH_PRIVATE") or "").lower() in ("1", "true", "yes"),
            uninstall_retention_days=_whole(
                env, "UNINSTALL_RETENTION_DAYS", DEFAULT_UNINSTALL_RETENTION_DAYS, "days"
            ),
            content_retention_months=_whole(env, "CONTENT_RETENTION_MONTHS", None, "months", least=1),
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            state_secret=env.get("SLACK_STATE_SECRET") or None,
            token_keys=tuple(
                k.strip() for k in (env.get("TOKEN_ENCRYPTION_KEY") or "").split(",") if k.strip()
            ),
            host=(env.get("HOST") or "").strip() or DEFAULT_HOST,
            log_format=_log_format(env.get("LOG_FORMAT")),
        )

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def oauth(self) -> bool:
        """Installed through Slack's OAuth flow, one installation per workspace (else one SLACK_BOT_TOKEN)."""
        return self.client_id is not None or self.client_secret is not None

    def database(self) -> URL:
        """The parsed DATABASE_URL, or a ConfigError naming what is wrong with it."""
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise ConfigError(
                f"DATABASE_URL is not a database URL: {_without_password(self.database_url)!r} "
                "(expected e.g. sqlite:///oneonone.db or postgresql+psycopg://user@host/db)"
            ) from None
        if url.drivername in ("postgres", "postgresql"):
            # postgres:// is what Heroku and Fly hand out (a name SQLAlchemy no longer knows); plain
            # postgresql:// would ask for psycopg2. psycopg 3 is the driver of the `postgres` extra.
            url = url.set(drivername="postgresql+psycopg")
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, got {url.get_backend_name()!r}")
        if url.drivername == "postgresql+psycopg" and find_spec("psycopg") is None:
            raise ConfigError(
                "DATABASE_URL is PostgreSQL but its driver is not installed: "
                "pip install 'oneonone-bot[postgres]'"
            )
        return url

    def require_slack(self, *, http: bool) -> None:
        """Check the tokens a process that talks to Slack needs."""
        if self.oauth:
            self._require_oauth(http=http)
            return
        if not self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from your Slack app's page)"
            )
        if not self.bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
        if self.app_token is not None and not self.app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        if http and not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed to verify Slack's HTTP requests; "
                "or set SLACK_APP_TOKEN to use Socket Mode)"
            )

    def _require_oauth(self, *, http: bool) -> None:
        """Many workspaces: each installs through /slack/install, so no SLACK_BOT_TOKEN; and HTTP only."""
        if self.bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: choose one "
                "(a bot token for one workspace, or the client id and secret to install in many)"
            )
        if self.app_token is not None:
            raise ConfigError(
                "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: installing in many "
                "workspaces needs the HTTP server (unset SLACK_APP_TOKEN and turn Socket Mode off)"
            )
        missing = [
            f"{name} ({where})"
            for name, value, where in (
                (
                    "SLACK_CLIENT_ID",
                    self.client_id,
                    "the Slack app's Basic Information page, App Credentials",
                ),
                ("SLACK_CLIENT_SECRET", self.client_secret, "the same page, App Credentials"),
                ("SLACK_STATE_SECRET", self.state_secret, f"any long random string: {_MAKE_A_SECRET}"),
                ("TOKEN_ENCRYPTION_KEY", self.token_keys, f"make one with: {MAKE_A_KEY}"),
            )
            if not value
        ]
        if missing:
            raise ConfigError("installing in many workspaces needs " + "; ".join(missing) + " to be set")
        if http and not self.signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set (needed to verify Slack's HTTP requests; "
                "your Slack app's Basic Information page, App Credentials)"
            )
        from bot.store.installations import TokenCipher  # cryptography's, only in this mode

        TokenCipher(self.token_keys)  # a malformed key stops the process now, not at the first install


_MAKE_A_SECRET = """python -c 'import secrets; print(secrets.token_urlsafe(32))'"""
MAKE_A_KEY = """python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"""


def _without_password(url: str) -> str:
    """An unparsable URL as the operator wrote it, but whatever stands between `//` and `@` hidden."""
    return re.sub(r"//[^/@]*@", "//***@", url)


def _log_format(value: str | None) -> str:
    text = (value or "text").strip().lower()
    if text not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be text or json, got {value!r}")
    return text


def _api_url(value: str | None) -> str | None:
    if not value:
        return None
    # slack-sdk joins base_url and method name by plain concatenation.
    return value if value.endswith("/") else value + "/"


def _whole(env: Mapping[str, str], name: str, default: int | None, unit: str, least: int = 0) -> Any:
    """A whole number of `unit` from the environment (at least `least`), or `default` when unset."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < least:
        raise ConfigError(f"{name} must be a whole number of {unit} (at least {least}), got {text!r}")
    return int(text)


def _public_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("https://", "http://")):
        raise ConfigError(f"PUBLIC_URL must be an http(s) address (https://bot.example.com), not {value!r}")
    return value.rstrip("/")
