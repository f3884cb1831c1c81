"""Shared fixtures: one Slack emulator, one database and one Bolt app server per test session.

Servers start once; each test gets a clean database, a reset emulator and its own point in time.
Set TEST_DATABASE_URL to run everything against another database (PostgreSQL).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import settings as hypothesis_settings
from slack_bolt import App
from sqlalchemy import Engine, delete

from bot.config import Settings
from bot.delivery.passes import deliver_all_due
from bot.delivery.slack_calls import build_delivery_client
from bot.slack.after_ack import AfterAck
from bot.slack.app import build_app
from bot.slack.deps import Kicker
from bot.slack.messages import MessageRenderer
from bot.store import migrations
from bot.store.base import Base
from bot.store.db import SessionFactory, make_engine, make_session_factory
from bot.web import build_wsgi
from emulator.requests import SlackSender
from emulator.socket_mode_app import SocketModeBot, SocketModeSender
from emulator.web_api import APP_TOKEN, BOT_TOKEN, SlackEmulator

# CI explores the same examples every run (a submission must not land or fail by chance);
# a developer's run explores new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

SIGNING_SECRET = "test-signing-secret"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    """The app's idea of now; tests move it instead of sleeping."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrations.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[SessionFactory]:
    yield make_session_factory(engine)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


@pytest.fixture(scope="session")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emulator(_emulator: SlackEmulator) -> Iterator[SlackEmulator]:
    yield from reset_around(_emulator)


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[SlackEmulator]:
    """An emulator for one test module alone, for a module that connects an app (or a raw WebSocket client)
    of its own: the suite's Socket Mode app, connected to the shared emulator, would take envelopes meant
    for it (the newest connection gets them, and that app reconnects)."""
    with SlackEmulator() as emulator:
        yield emulator


def reset_around(emulator: SlackEmulator) -> Iterator[SlackEmulator]:
    """An emulator fixture's body: the emulator, reset for the test and again after it."""
    emulator.reset()
    yield emulator
    emulator.reset()


@pytest.fixture(scope="session")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clock(_clock: FakeClock) -> FakeClock:
    _clock.set(START)
    return _clock


@pytest.fixture(scope="session")
def settings(database_url: str, _emulator: SlackEmulator) -> Settings:
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": _emulator.url,
            "DATABASE_URL": database_url,
        }
    )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class AppServer:
    url: str
    later: AfterAck  # the app's after-ack work (views.open, response_url, zone look-ups)


class InlineOutbox:
    """Delivers on kick, before the request's response returns, so a test sees every effect at once.

    Production delivers from a background thread (BackgroundDeliverer, tested on its own); here that
    thread would race the tests' time travel.
    """

    def __init__(self, settings: Settings, sessions: SessionFactory, clock: FakeClock) -> None:
        self._client = build_delivery_client(settings.bot_token, settings.slack_api_url)
        self._sessions = sessions
        self._clock = clock

    def kick(self) -> None:
        deliver_all_due(self._sessions, self._client, MessageRenderer(self._clock), self._clock())


K = TypeVar("K", bound=Kicker)


def app_under_test(
    settings: Settings,
    engine: Engine,
    clock: FakeClock,
    outbox: Callable[[Settings, SessionFactory, FakeClock], K],
) -> tuple[App, AfterAck, K]:
    """The real Bolt app on the test database, with an after-ack pool of its own and the outbox that
    `outbox` builds (InlineOutbox, or the background deliverer): the app, its after-ack pool, its outbox."""
    sessions = make_session_factory(engine)
    later = AfterAck()
    kicker = outbox(settings, sessions, clock)
    return build_app(settings, sessions, clock=clock, outbox=kicker, later=later), later, kicker


@pytest.fixture(scope="session")
def app_server(settings: Settings, engine: Engine, _clock: FakeClock) -> Iterator[AppServer]:
    """The real Bolt app behind a real HTTP server, as Slack would reach it."""
    app, later, _ = app_under_test(settings, engine, _clock, InlineOutbox)
    with serving(app, engine) as url:
        yield AppServer(url=url, later=later)


@contextmanager
def serving(app: App, engine: Engine) -> Iterator[str]:
    """Serve a Bolt app over real HTTP on a free local port; yields its base URL."""
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi(app, engine),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SocketModeApp:
    bot: SocketModeBot
    later: AfterAck


@pytest.fixture(scope="session")
def socket_mode_app(
    settings: Settings, engine: Engine, _clock: FakeClock, _emulator: SlackEmulator
) -> Iterator[SocketModeApp]:
    """The same app under Bolt's SocketModeHandler, connected to the emulator once per session."""
    app, later, _ = app_under_test(replace(settings, app_token=APP_TOKEN), engine, _clock, InlineOutbox)
    with SocketModeBot(app, APP_TOKEN) as bot:
        yield SocketModeApp(bot, later)


@pytest.fixture(params=["http", "socket_mode"])
def slack(
    request: pytest.FixtureRequest, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SlackSender | SocketModeSender]:
    """Sends Slack's requests to the app, once over HTTP (signed) and once over Socket Mode; depends on a
    clean database and emulator. A command answers with what the person finally sees (see SlackSender)."""
    sender: SlackSender | SocketModeSender
    if request.param == "http":
        app_server: AppServer = request.getfixturevalue("app_server")
        later = app_server.later
        sender = http_sender(app_server.url, emulator, later)
    else:
        if request.node.get_closest_marker("http_only"):
            pytest.skip("request signing and HTTP status codes exist only over HTTP")
        socket_app: SocketModeApp = request.getfixturevalue("socket_mode_app")
        later = socket_app.later
        sender = socket_mode_sender(emulator, later)
    yield sender
    sender.close()
    later.wait_idle(10)  # nothing of this test's runs into the next one


def http_sender(url: str, emulator: SlackEmulator, later: AfterAck | None = None) -> SlackSender:
    """Slack's requests, signed and POSTed to the app served at `url`; with `later` (the app's after-ack
    pool), a command answers with what the person finally sees (see SlackSender)."""
    return SlackSender(url, SIGNING_SECRET, responses=emulator, settle=_settle(later))


def socket_mode_sender(emulator: SlackEmulator, later: AfterAck | None = None) -> SocketModeSender:
    """Slack's requests as envelopes, once an app is connected to `emulator` (a test may have left it
    reconnecting); `later` as for http_sender."""
    emulator.socket_mode.connected(timeout=10)
    return SocketModeSender(emulator.socket_mode, responses=emulator, settle=_settle(later))


def _settle(later: AfterAck | None) -> Callable[[], object] | None:
    return None if later is None else lambda: later.wait_idle(10)
