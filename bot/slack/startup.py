"""Slack at start-up: a token Slack refuses stops the process with one line; a Slack that is away (or
unwell) is waited for, with growing pauses; Socket Mode connects once both tokens are known good, and
then reconnects by itself.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from http.client import HTTPException
from typing import Any, TypeVar

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings
from bot.slack.app import build_client
from bot.slack.oauth import INSTALL_PATH
from bot.store.db import make_engine
from bot.store.installations import installed_workspaces

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], object]


# Answers from a Slack that is there but unwell: they say nothing about the token.
_SLACK_UNWELL = frozenset(
    {"ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"}
)
# Slack's error codes are snake_case words; anything else came from something in between (a proxy's
# page, which slack_sdk reports as "Received a response in a non-JSON format: ...").
_SLACK_CODE = re.compile(r"[a-z_]+")
_HINTS = {"missing_scope": " (the app-level token needs the connections:write scope)"}
FIRST_RETRY_SECONDS = 1.0
# At most a minute between tries: a Slack incident lasts minutes, and a bot back within a minute of
# Slack is soon enough. No jitter: one process per workspace connects, so there is no herd to spread.
MAX_RETRY_SECONDS = 60.0
_NETWORK_ERRORS = (OSError, HTTPException)  # URLError, refused, reset, timeouts, TLS; torn HTTP answers


class SlackAway(Exception):
    """Slack did not answer, or answered that it is unwell: nothing is known about the token yet."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def check_slack(settings: Settings) -> None:
    """Over HTTP, before serving: the bot token's check, or with many workspaces (issue 16), how many
    have installed the app: their tokens are checked by Bolt, request by request."""
    if settings.oauth:
        _log_installed(settings)
    else:
        check_slack_token(settings)


def _log_installed(settings: Settings) -> None:
    engine = make_engine(settings.database())
    try:
        installed = installed_workspaces(engine, settings.client_id or "")
    except SQLAlchemyError as error:
        logger.warning("could not count the installed workspaces: %s", type(error).__name__)
        return
    finally:
        engine.dispose()
    where = f"{settings.public_url}{INSTALL_PATH}" if settings.public_url else INSTALL_PATH
    if installed:
        logger.info("installed in %s workspace(s); another installs it at %s", installed, where)
    else:
        logger.info("not installed in any workspace yet: install it at %s", where)


def check_slack_token(settings: Settings) -> None:
    """Over HTTP: fail fast on a bot token Slack refuses; only warn when Slack is away (Slack comes to
    the bot, and messages wait in the outbox until Slack is back)."""
    try:
        identity = _bot_identity(settings)
    except SlackAway as away:
        logger.warning(
            "could not check SLACK_BOT_TOKEN: Slack is unreachable or unwell (%s); continuing", away
        )
        return
    _log_identity(identity)


def connect_socket_mode(
    app: App, settings: Settings, *, sleep: Sleep = time.sleep, ping_interval: float = 10.0
) -> SocketModeHandler:
    """Check both tokens and open the first Socket Mode connection, waiting for Slack with growing pauses
    while it is away (`sleep`); ConfigError when Slack refuses a token. Connected, slack_sdk's client
    reconnects by itself (see `_ReconnectingClient`); `ping_interval` paces its checks (Bolt's 10 s)."""
    _log_identity(_until_slack_answers("check SLACK_BOT_TOKEN", lambda: _bot_identity(settings), sleep))
    handler = _SocketModeHandler(app, settings.app_token or "", ping_interval=ping_interval)
    client = handler.client
    try:
        _until_slack_answers(
            "open a Socket Mode connection", lambda: _first_connection(client, settings), sleep
        )
    except BaseException:
        handler.close()
        raise
    client.default_auto_reconnect_enabled = client.auto_reconnect_enabled = True
    logger.info("connected to Slack over Socket Mode")
    return handler


def retry_delays() -> Iterator[float]:
    """Pauses between tries while Slack is away: 1, 2, 4 ... seconds, then a minute each time."""
    delay = FIRST_RETRY_SECONDS
    while True:
        yield delay
        delay = min(delay * 2, MAX_RETRY_SECONDS)


def _until_slack_answers(what: str, attempt: Callable[[], T], sleep: Sleep) -> T:
    """`attempt` again and again while Slack is away; a refused token (ConfigError) ends it at once."""
    delays = retry_delays()
    while True:
        try:
            return attempt()
        except SlackAway as away:
            delay = max(next(delays), away.retry_after)  # Slack's Retry-After, when it asks for longer
            logger.warning(
                "could not %s: Slack is unreachable or unwell (%s); next try in %.0f s", what, away, delay
            )
            sleep(delay)


def _ask_slack(call: Callable[[], SlackResponse], token: str) -> SlackResponse:
    """A start-up call's answer; SlackAway when Slack is away; ConfigError when Slack refuses `token`."""
    try:
        return call()
    except SlackApiError as error:
        code, status = str(error.response.get("error")), error.response.status_code
        slacks = _SLACK_CODE.fullmatch(code) is not None
        if not slacks or code in _SLACK_UNWELL or status == 429 or status >= 500:
            shown = code if slacks else "an answer not from Slack"
            raise SlackAway(f"HTTP {status}: {shown}", _retry_after(error.response.headers)) from None
        raise ConfigError(f"Slack rejected {token}: {code}{_HINTS.get(code, '')}") from None
    except _NETWORK_ERRORS as error:
        raise SlackAway(str(error) or type(error).__name__) from None


def _retry_after(headers: dict[str, Any]) -> float:
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _startup_client(settings: Settings) -> WebClient:
    client = build_client(settings)
    # Our own pauses retry, and they can be tested without sleeping; slack_sdk's retry handler would
    # sleep as well before giving up.
    client.retry_handlers = []
    return client


def _bot_identity(settings: Settings) -> SlackResponse:
    client = _startup_client(settings)
    return _ask_slack(client.auth_test, "SLACK_BOT_TOKEN")


def _log_identity(identity: SlackResponse) -> None:
    logger.info("connected to Slack team %s as %s", identity.get("team"), identity.get("user"))


def _connection_url(settings: Settings) -> str:
    """apps.connections.open: what an app-level token is for (scope connections:write), so it is the
    token's check, and its one-time URL serves as the client's first connection at no extra call."""
    client = _startup_client(settings)
    opened = _ask_slack(
        lambda: client.apps_connections_open(app_token=settings.app_token or ""), "SLACK_APP_TOKEN"
    )
    return str(opened["url"])


def _first_connection(client: SocketModeClient, settings: Settings) -> None:
    client.wss_uri = _connection_url(settings)  # the client asks for a URL only when it holds none
    client.connect()
    if not client.is_connected():  # slack_sdk logged why: its Connection.connect raises nothing
        raise SlackAway("the WebSocket did not open")


class _ReconnectingClient(SocketModeClient):
    """slack_sdk's builtin Socket Mode client, whose failed reconnections cost one line, not a traceback.

    Once connected it reconnects by itself while `auto_reconnect_enabled`: at once on Slack's
    `disconnect` envelope and on a close frame, and whenever its monitor (every ping_interval) finds
    the connection gone (a dropped network). slack_sdk lets a reconnection that failed (Slack away)
    raise into the thread that asked for it, which logs it with a traceback (a `disconnect`'s) or
    plainly (the monitor's); either way the next close or monitor round tries again.
    """

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        try:
            super().connect_to_new_endpoint(force)
        except SlackApiError as error:
            logger.warning("Socket Mode could not reconnect: Slack answered %s", error.response.get("error"))
        except _NETWORK_ERRORS as error:
            logger.warning("Socket Mode could not reconnect: Slack is unreachable (%s)", error)


class _SocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler over `_ReconnectingClient`, built as Bolt builds its own
    (slack_bolt/adapter/socket_mode/builtin/__init__.py), with reconnection off until the first
    connection is open: until then `connect_socket_mode` is the one retrying, with its pauses."""

    def __init__(self, app: App, app_token: str, *, ping_interval: float) -> None:
        self.app = app
        self.app_token = app_token
        self.client = _ReconnectingClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            proxy=app.client.proxy,
            auto_reconnect_enabled=False,
            ping_interval=ping_interval,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
