"""The bot's processes (DESIGN.md command line): each checks what it needs, then runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.clock import ClockTick, schedule_busy_reads, schedule_retention, schedule_ticks
from bot.config import ConfigError, Settings
from bot.delivery.background import BackgroundDeliverer, Waiter
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.tokens import clients_from
from bot.now import Clock, system_clock
from bot.services.calendar_busy import read_due_calendars
from bot.services.retention import run_retention
from bot.services.tick import TickReport, run_tick
from bot.slack.after_ack import AfterAck
from bot.slack.app import build_app
from bot.slack.messages import MessageRenderer
from bot.slack.startup import Sleep, check_slack, connect_socket_mode
from bot.store import migrations, space
from bot.store.db import SessionFactory, engine_of, make_engine, make_session_factory, ping
from bot.web import (
    GunicornServer,
    WsgiApp,
    build_wsgi,
    serve_operator_endpoints,
    server_options,
)

logger = logging.getLogger(__name__)


def start(command: str, settings: Settings, *, at: datetime | None = None) -> int:
    return {
        "migrate": migrate,
        "serve": serve,
        "run": run,
        "clock": clock,
        "tick": lambda s: tick(s, at),
        "demo": demo,
    }[command](settings)


def demo(settings: Settings) -> int:
    """A week of 1:1s played against the bundled Slack emulator, printed as each person saw it."""
    from bot.demo import play  # the emulator is imported only here

    return play(settings)


def migrate(settings: Settings) -> int:
    url = settings.database()
    _check_room(settings)
    try:
        migrations.upgrade(url)
    except SQLAlchemyError as error:
        raise ConfigError(_database_problem(settings, error)) from None
    logger.info("database is at the latest revision")
    return 0


def serve(settings: Settings) -> int:
    settings.require_slack(http=True)
    _open_database(settings).dispose()
    check_slack(settings)
    with metrics.multiprocess_dir():  # before gunicorn forks its workers: each counts, a scrape sums them
        GunicornServer(lambda: _wsgi(settings), server_options(settings.port, host=settings.host)).run()
    return 0


def run(settings: Settings) -> int:
    """Everything in one process: the self-hosted, one-small-machine mode."""
    settings.require_slack(http=not settings.socket_mode)
    migrate(settings)
    if settings.socket_mode:
        return _run_socket_mode(settings)
    check_slack(settings)

    def start_clock_in_worker(_worker: object) -> None:
        # One worker, so exactly one clock; it lives and restarts with that worker.
        _start_background_clock(settings)

    options = server_options(
        settings.port, host=settings.host, workers=1, post_worker_init=start_clock_in_worker
    )
    with metrics.multiprocess_dir():  # a restarted worker's counts stay in the sum
        GunicornServer(lambda: _wsgi(settings), options).run()
    return 0


def clock(settings: Settings) -> int:
    settings.require_slack(http=False)
    sessions = make_session_factory(_open_database(settings))
    scheduler = BlockingScheduler(timezone="UTC")
    schedule_ticks(scheduler, _ticker(settings, sessions), system_clock)
    schedule_busy_reads(scheduler, _busy_reader(settings, sessions), system_clock)
    schedule_retention(scheduler, _retention(settings, sessions), system_clock)
    serve_operator_endpoints(sessions, settings.host, settings.port)  # its tick durations, its health
    logger.info("clock started: one tick every minute")
    scheduler.start()
    return 0


def tick(settings: Settings, at: datetime | None) -> int:
    """One pass at `at`: materialise, queue, and deliver what is due (when a token is set)."""
    now = at or system_clock()
    engine = _open_database(settings)
    sessions = make_session_factory(engine)
    try:
        return _tick_and_deliver(settings, sessions, now)
    except SQLAlchemyError as error:
        if space.is_disk_full(error):  # its transaction rolled back: nothing half done
            raise ConfigError(_disk_full(settings) + "; what was due stays due for the next tick") from None
        raise
    finally:
        engine.dispose()


def _tick_and_deliver(settings: Settings, sessions: SessionFactory, now: datetime) -> int:
    # Without a clock process (cron runs `tick`), this is where people's own calendars are read.
    busy = read_due_calendars(sessions, now, allow_private=settings.calendar_fetch_private)
    if busy.read or busy.unchanged or busy.failed:
        print(f"busy calendars: {busy.read} read, {busy.unchanged} unchanged, {busy.failed} failed")
    report = run_tick(sessions, now)
    print(
        f"tick at {now.isoformat()}: {report.meetings_materialised} meetings materialised, "
        f"{report.messages_queued} messages queued"
    )
    if settings.bot_token or settings.oauth:
        delivered = _deliver(settings, sessions, lambda: now)
        print(
            f"delivered: {delivered.sent} sent, {delivered.retried} to retry, {delivered.failed} failed, "
            f"{delivered.dropped} no longer needed"
            + (f", {delivered.deferred} held back by Slack's rate limits" if delivered.deferred else "")
            + (" (rate limited; the rest wait)" if delivered.rate_limited else "")
        )
    else:
        print(
            "not delivering: SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, "
            "for installations through OAuth); queued messages wait for the next tick"
        )
    # With a `serve` beside it the log outlives this process: a truncated one is what the tick leaves.
    space.checkpoint(engine_of(sessions))
    return 0


def build_deliverer(
    settings: Settings, sessions: SessionFactory, clock: Clock, *, wait: Waiter | None = None
) -> BackgroundDeliverer:
    """The outbox's background sender, as the app (kicked by requests) and the clock (by ticks) use it;
    `wait` sits out a rate limit (default: really waiting). Each message goes out with its workspace's
    token (OAuth installations) or the one SLACK_BOT_TOKEN (bot/delivery/tokens.py)."""
    clients = clients_from(settings, engine_of(sessions))
    return BackgroundDeliverer(sessions, clients, MessageRenderer(clock), clock, wait=wait)


def web_app(
    settings: Settings,
    sessions: SessionFactory,
    clock: Clock = system_clock,
    *,
    later: AfterAck | None = None,
    wait: Waiter | None = None,
) -> App:
    """The Bolt app that `serve` and `run` (HTTP or Socket Mode) serve, with a background deliverer of its
    own that its requests kick: what a request queued goes out at once, not at the clock's next tick."""
    deliverer = build_deliverer(settings, sessions, clock, wait=wait)
    return build_app(settings, sessions, clock, outbox=deliverer, later=later)


def _ticker(settings: Settings, sessions: SessionFactory, clock: Clock = system_clock) -> ClockTick:
    """The clock's tick, with a background deliverer of its own (see ClockTick)."""
    deliverer = build_deliverer(settings, sessions, clock)
    engine = engine_of(sessions)

    def tick(now: datetime) -> TickReport:
        report = run_tick(sessions, now)
        # Each minute the log starts over from nothing: it cannot creep up on a small disk (space.py).
        space.checkpoint(engine)
        return report

    return ClockTick(tick, deliverer, clock)


def _busy_reader(
    settings: Settings, sessions: SessionFactory, clock: Clock = system_clock
) -> Callable[[], object]:
    """The clock's job reading people's own calendars (HTTP, outside any transaction), beside the tick."""
    return lambda: read_due_calendars(sessions, clock(), allow_private=settings.calendar_fetch_private)


def _retention(
    settings: Settings, sessions: SessionFactory, clock: Clock = system_clock
) -> Callable[[], object]:
    """The clock's job deleting by the operator's retention settings (a left workspace, old content)."""
    return lambda: run_retention(sessions, clock(), settings)


def _deliver(settings: Settings, sessions: SessionFactory, clock: Clock) -> DeliveryReport:
    clients = clients_from(settings, engine_of(sessions))
    return deliver_all_due(sessions, clients, MessageRenderer(clock), clock())


def _open_database(settings: Settings) -> Engine:
    _check_room(settings)
    engine = make_engine(settings.database())
    try:
        ping(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        problem = _disk_full(settings) if space.is_disk_full(error) else _database_problem(settings, error)
        raise ConfigError(problem) from None
    return engine


def _database_problem(settings: Settings, error: SQLAlchemyError) -> str:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    shown = settings.database().render_as_string(hide_password=True)
    return f"cannot use the database at {shown}: {reason}"


def _check_room(settings: Settings) -> None:
    """Refuse to start on a SQLite database whose disk is nearly full (DATABASE_MIN_FREE_MB)."""
    database = space.database_file(settings.database())
    if database is not None and settings.min_free_mb > 0:
        problem = space.room_problem(database, settings.min_free_mb)
        if problem is not None:
            raise ConfigError(problem)


def _disk_full(settings: Settings) -> str:
    message = "the database's disk is full"
    database = space.database_file(settings.database())
    if database is not None:
        message += f" ({space.free_bytes(database) // space.MB} MB free on {space.mount_point(database)})"
    return message + ": free some space"


def _wsgi(settings: Settings) -> WsgiApp:
    engine = make_engine(settings.database())
    return build_wsgi(web_app(settings, make_session_factory(engine)), engine)


def _start_background_clock(settings: Settings) -> BackgroundScheduler:
    sessions = make_session_factory(make_engine(settings.database()))
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_ticks(scheduler, _ticker(settings, sessions), system_clock)
    schedule_busy_reads(scheduler, _busy_reader(settings, sessions), system_clock)
    schedule_retention(scheduler, _retention(settings, sessions), system_clock)
    scheduler.start()
    return scheduler


def _run_socket_mode(settings: Settings, *, sleep: Sleep = time.sleep) -> int:
    engine = make_engine(settings.database())
    sessions = make_session_factory(engine)
    app = web_app(settings, sessions)
    _start_background_clock(settings)
    # Slack comes over the socket; monitors and Prometheus still reach /healthz and /metrics on PORT.
    serve_operator_endpoints(sessions, settings.host, settings.port)
    connect_socket_mode(app, settings, sleep=sleep)
    threading.Event().wait()  # the Socket Mode client's threads serve Slack from here on
    return 0
