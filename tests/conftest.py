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
from bot.delivery.background import BackgroundDeliverer
from bot.now import Clock, system_clock
from bot.processes import web_app
from bot.slack.after_ack import AfterAck
from bot.slack.app import build_app
from bot.slack.dedup import DedupingApp
from bot.slack.deps import Kicker
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

# A developer's .env (README, "Settings") must not reach the bot processes the tests start.
os.environ["ENV_FILE"] = ""


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
    app: DedupingApp
    later: AfterAck  # the app's after-ack work (views.open, response_url, zone look-ups)
    deliverer: BackgroundDeliverer  # the app's own outbox sender, kicked by its requests


def _retry_after_waits_for_the_next_tick(_seconds: float) -> bool:
    """The test deliverer's wait for a Retry-After: none; a test's time does not pass by itself, so what
    Slack held back goes at the test's next tick (True: stop waiting, as a shutdown would)."""
    return True


K = TypeVar("K", bound=Kicker)


def app_under_test(
    settings: Settings,
    engine: Engine,
    clock: FakeClock,
    outbox: Callable[[Settings, SessionFactory, FakeClock], K] | None = None,
) -> tuple[App, AfterAck, Kicker]:
    """The real Bolt app on the test database, with an after-ack pool of its own: the app, that pool, and
    the app's outbox. By default it is the app `serve` and `run` build (bot.processes.web_app, with its
    background deliverer); `outbox` builds another deliverer instead."""
    sessions = make_session_factory(engine)
    later = AfterAck()
    if outbox is None:
        app = web_app(settings, sessions, clock, later=later, wait=_retry_after_waits_for_the_next_tick)
        assert isinstance(app, DedupingApp)
        return app, later, app.outbox
    kicker = outbox(settings, sessions, clock)
    return build_app(settings, sessions, clock=clock, outbox=kicker, later=later), later, kicker


@pytest.fixture(scope="session")
def app_server(settings: Settings, engine: Engine, _clock: FakeClock) -> Iterator[AppServer]:
    """The real Bolt app behind a real HTTP server, as Slack would reach it."""
    app, later, deliverer = app_under_test(settings, engine, _clock)
    assert isinstance(app, DedupingApp) and isinstance(deliverer, BackgroundDeliverer)
    with serving(app, engine, _clock) as url:
        yield AppServer(url=url, app=app, later=later, deliverer=deliverer)
    deliverer.stop()


@contextmanager
def serving(app: App, engine: Engine, clock: Clock = system_clock) -> Iterator[str]:
    """Serve a Bolt app (and /healthz, by `clock`) over real HTTP on a free port; yields its base URL."""
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi(app, engine, clock),
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
    app: DedupingApp
    later: AfterAck
    deliverer: BackgroundDeliverer


@pytest.fixture(scope="session")
def socket_mode_app(
    settings: Settings, engine: Engine, _clock: FakeClock, _emulator: SlackEmulator
) -> Iterator[SocketModeApp]:
    """The same app under Bolt's SocketModeHandler, connected to the emulator once per session."""
    app, later, deliverer = app_under_test(replace(settings, app_token=APP_TOKEN), engine, _clock)
    assert isinstance(app, DedupingApp) and isinstance(deliverer, BackgroundDeliverer)
    with SocketModeBot(app, APP_TOKEN) as bot:
        yield SocketModeApp(bot, app, later, deliverer)
    deliverer.stop()


@pytest.fixture(params=["http", "socket_mode"])
def slack(
    request: pytest.FixtureRequest, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SlackSender | SocketModeSender]:
    """Sends Slack's requests to the app, once over HTTP (signed) and once over Socket Mode; depends on a
    clean database and emulator. A command answers with what the person finally sees (see SlackSender)."""
    sender: SlackSender | SocketModeSender
    served: AppServer | SocketModeApp
    if request.param == "http":
        served = request.getfixturevalue("app_server")
        sender = http_sender(served.url, emulator, served.later, served.deliverer, served.app)
    else:
        if request.node.get_closest_marker("http_only"):
            pytest.skip("request signing and HTTP status codes exist only over HTTP")
        served = request.getfixturevalue("socket_mode_app")
        sender = socket_mode_sender(emulator, served.later, served.deliverer, served.app)
    yield sender
    sender.close()
    # Nothing of this test's runs into the next one.
    served.app.wait_idle(10)
    served.later.wait_idle(10)
    served.deliverer.wait_idle(10)


def http_sender(
    url: str,
    emulator: SlackEmulator,
    later: AfterAck | None = None,
    deliverer: Kicker | None = None,
    app: App | None = None,
) -> SlackSender:
    """Slack's requests, signed and POSTed to the app served at `url`; with `later` (the app's after-ack
    pool) and `deliverer` (its outbox), a request answers once everything it set off is done, a command
    with what the person finally sees (see SlackSender)."""
    return SlackSender(url, SIGNING_SECRET, responses=emulator, settle=_settle(later, deliverer, app))


def socket_mode_sender(
    emulator: SlackEmulator,
    later: AfterAck | None = None,
    deliverer: Kicker | None = None,
    app: App | None = None,
) -> SocketModeSender:
    """Slack's requests as envelopes, once an app is connected to `emulator` (a test may have left it
    reconnecting); `later` and `deliverer` as for http_sender."""
    emulator.socket_mode.connected(timeout=10)
    return SocketModeSender(emulator.socket_mode, responses=emulator, settle=_settle(later, deliverer, app))


def _settle(
    later: AfterAck | None, deliverer: Kicker | None, app: App | None = None
) -> Callable[[], object] | None:
    """Waits for the app's requests (one answered at its budget finishes later), then for the after-ack
    work (which may queue messages), then for the deliverer's passes."""
    if later is None:
        return None

    def settle() -> None:
        if isinstance(app, DedupingApp):
            app.wait_idle(10)
        later.wait_idle(10)
        if isinstance(deliverer, BackgroundDeliverer):
            deliverer.wait_idle(10)

    return settle
