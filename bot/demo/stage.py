"""The demo's stage, all in this process: the bundled Slack emulator, a temporary SQLite database, the bot's
WSGI app on a free loopback port, and a clock that only the demo moves."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.background import BackgroundDeliverer
from bot.demo.checks import DemoFailed
from bot.processes import web_app
from bot.services.tick import run_tick
from bot.slack.after_ack import AfterAck
from bot.slack.dedup import DedupingApp
from bot.store import migrations
from bot.store.db import SessionFactory, make_engine, make_session_factory
from bot.web import build_wsgi
from emulator.ids import BOT_TOKEN
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator

SIGNING_SECRET = "demo-signing-secret"  # the demo's own: it never meets a real Slack
SETTLE_SECONDS = 10.0  # the longest the demo waits for the bot to finish what one step set off


class DemoClock:
    """The bot's idea of now: a week passes as fast as the demo moves it, never by sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


class NotSettled(DemoFailed):
    """The bot was still busy when the demo's patience ran out."""


@dataclass
class Stage:
    emulator: SlackEmulator
    sessions: SessionFactory
    clock: DemoClock
    deliverer: BackgroundDeliverer
    settle: Callable[[], None]  # waits until the bot has done everything the last step set off
    slack: SlackSender  # Slack's requests, signed; each answers once the bot has settled

    def tick(self, at: datetime) -> None:
        """What the clock process does each minute, at `at`: queue what is due and deliver it."""
        self.clock.set(at)
        run_tick(self.sessions, at)
        self.deliverer.kick()
        self.settle()


@contextmanager
def stage(start: datetime) -> Iterator[Stage]:
    """Everything running, on a fresh database; all stopped and deleted afterwards."""
    clock = DemoClock(start)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="oneonone-demo-")))
        emulator = stack.enter_context(SlackEmulator(clock=lambda: clock().timestamp()))
        url = f"sqlite:///{folder / 'demo.db'}"
        migrations.upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        # The demo's own settings: the emulator's token and URL, its signing secret, its database.
        settings = Settings.from_env(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": emulator.url,
                "DATABASE_URL": url,
            }
        )
        sessions = make_session_factory(engine)
        later = AfterAck()
        app = web_app(settings, sessions, clock, later=later, wait=_no_waiting)
        if not isinstance(app, DedupingApp) or not isinstance(app.outbox, BackgroundDeliverer):
            raise TypeError("the bot's web app is not the one `serve` builds: the demo cannot wait for it")
        deliverer = app.outbox
        stack.callback(deliverer.stop)
        settle = _settler(app, later, deliverer)
        base_url = stack.enter_context(_serving(app, engine, clock))
        slack = stack.enter_context(SlackSender(base_url, SIGNING_SECRET, responses=emulator, settle=settle))
        yield Stage(emulator, sessions, clock, deliverer, settle, slack)


def _settler(app: DedupingApp, later: AfterAck, deliverer: BackgroundDeliverer) -> Callable[[], None]:
    """Waits for the bot's requests, then the work after their acknowledgement (which may queue messages),
    then the deliveries: waited on, never slept for."""
    waits = (
        ("requests", app.wait_idle),
        ("work after acknowledging", later.wait_idle),
        ("deliveries", deliverer.wait_idle),
    )

    def settle() -> None:
        for what, wait in waits:
            if not wait(SETTLE_SECONDS):
                raise NotSettled(f"the bot's {what} were not done after {SETTLE_SECONDS:.0f} s")

    return settle


def _no_waiting(_seconds: float) -> bool:
    """A rate limit's wait: none (True: stop waiting); what Slack held back goes at the next tick."""
    return True


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # the transcript is the demo's output, not an access log


@contextmanager
def _serving(app: DedupingApp, engine: Engine, clock: DemoClock) -> Iterator[str]:
    """The bot's WSGI app over real HTTP on a free loopback port, as Slack would reach it; its base URL."""
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi(app, engine, clock),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="demo-web", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
