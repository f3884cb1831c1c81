"""The bot's processes (DESIGN.md command line): each checks what it needs, then runs."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import ClockTick, schedule_ticks
from bot.config import ConfigError, Settings
from bot.delivery.background import BackgroundDeliverer, Waiter
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import build_delivery_client
from bot.now import Clock, system_clock
from bot.services.tick import run_tick
from bot.slack.after_ack import AfterAck
from bot.slack.app import build_app, build_client
from bot.slack.messages import MessageRenderer
from bot.store import migrations
from bot.store.db import SessionFactory, make_engine, make_session_factory, ping
from bot.web import GunicornServer, WsgiApp, build_wsgi, server_options

logger = logging.getLogger(__name__)


def start(command: str, settings: Settings, *, at: datetime | None = None) -> int:
    return {
        "migrate": migrate,
        "serve": serve,
        "run": run,
        "clock": clock,
        "tick": lambda s: tick(s, at),
    }[command](settings)


def migrate(settings: Settings) -> int:
    url = settings.database()
    try:
        migrations.upgrade(url)
    except SQLAlchemyError as error:
        raise ConfigError(_database_problem(settings, error)) from None
    logger.info("database is at the latest revision")
    return 0


def serve(settings: Settings) -> int:
    settings.require_slack(http=True)
    _open_database(settings).dispose()
    check_slack_token(settings)
    GunicornServer(lambda: _wsgi(settings), server_options(settings.port)).run()
    return 0


def run(settings: Settings) -> int:
    """Everything in one process: the self-hosted, one-small-machine mode."""
    settings.require_slack(http=not settings.socket_mode)
    migrate(settings)
    check_slack_token(settings)
    if settings.socket_mode:
        return _run_socket_mode(settings)

    def start_clock_in_worker(_worker: object) -> None:
        # One worker, so exactly one clock; it lives and restarts with that worker.
        _start_background_clock(settings)

    options = server_options(settings.port, workers=1, post_worker_init=start_clock_in_worker)
    GunicornServer(lambda: _wsgi(settings), options).run()
    return 0


def clock(settings: Settings) -> int:
    settings.require_slack(http=False)
    sessions = make_session_factory(_open_database(settings))
    scheduler = BlockingScheduler(timezone="UTC")
    schedule_ticks(scheduler, _ticker(settings, sessions), system_clock)
    logger.info("clock started: one tick every minute")
    scheduler.start()
    return 0


def tick(settings: Settings, at: datetime | None) -> int:
    """One pass at `at`: materialise, queue, and deliver what is due (when a token is set)."""
    now = at or system_clock()
    engine = _open_database(settings)
    sessions = make_session_factory(engine)
    try:
        report = run_tick(sessions, now)
        print(
            f"tick at {now.isoformat()}: {report.meetings_materialised} meetings materialised, "
            f"{report.messages_queued} messages queued"
        )
        if not settings.bot_token:
            print("not delivering: SLACK_BOT_TOKEN is not set; queued messages wait for the next tick")
            return 0
        delivered = _deliver(settings, sessions, lambda: now)
        print(
            f"delivered: {delivered.sent} sent, {delivered.retried} to retry, {delivered.failed} failed, "
            f"{delivered.dropped} no longer needed"
            + (f", {delivered.deferred} held back by Slack's rate limits" if delivered.deferred else "")
            + (" (rate limited; the rest wait)" if delivered.rate_limited else "")
        )
    finally:
        engine.dispose()
    return 0


def build_deliverer(
    settings: Settings, sessions: SessionFactory, clock: Clock, *, wait: Waiter | None = None
) -> BackgroundDeliverer:
    """The outbox's background sender, as the app (kicked by requests) and the clock (by ticks) use it;
    `wait` sits out a rate limit (default: really waiting)."""
    client = build_delivery_client(settings.bot_token, settings.slack_api_url)
    return BackgroundDeliverer(sessions, client, MessageRenderer(clock), clock, wait=wait)


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
    return ClockTick(lambda now: run_tick(sessions, now), deliverer, clock)


def _deliver(settings: Settings, sessions: SessionFactory, clock: Clock) -> DeliveryReport:
    client = build_delivery_client(settings.bot_token, settings.slack_api_url)
    return deliver_all_due(sessions, client, MessageRenderer(clock), clock())


def check_slack_token(settings: Settings) -> None:
    """Fail fast on a token Slack rejects; only warn when Slack cannot be reached right now."""
    try:
        identity = build_client(settings).auth_test()
    except SlackApiError as error:
        raise ConfigError(f"Slack rejected SLACK_BOT_TOKEN: {error.response.get('error')}") from None
    except OSError as error:
        logger.warning("could not reach Slack to check the token (%s); continuing", error)
        return
    logger.info("connected to Slack team %s as %s", identity.get("team"), identity.get("user"))


def _open_database(settings: Settings) -> Engine:
    engine = make_engine(settings.database())
    try:
        ping(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        raise ConfigError(_database_problem(settings, error)) from None
    return engine


def _database_problem(settings: Settings, error: SQLAlchemyError) -> str:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    shown = settings.database().render_as_string(hide_password=True)
    return f"cannot use the database at {shown}: {reason}"


def _wsgi(settings: Settings) -> WsgiApp:
    engine = make_engine(settings.database())
    return build_wsgi(web_app(settings, make_session_factory(engine)), engine)


def _start_background_clock(settings: Settings) -> BackgroundScheduler:
    sessions = make_session_factory(make_engine(settings.database()))
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_ticks(scheduler, _ticker(settings, sessions), system_clock)
    scheduler.start()
    return scheduler


def _run_socket_mode(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    url = check_app_token(settings)
    engine = make_engine(settings.database())
    app = web_app(settings, make_session_factory(engine))
    _start_background_clock(settings)
    delay = 1.0
    while url is None:
        # slack_sdk reconnects by itself once connected, but a first connection it cannot open raises and
        # is never retried: wait for Slack here (and learn the token's fate when it answers).
        logger.warning("Socket Mode waits for Slack: next try in %.0f s", delay)
        time.sleep(delay)
        delay = min(delay * 2, 60.0)
        url = check_app_token(settings)
    handler = SocketModeHandler(app, settings.app_token)
    # The client calls apps.connections.open only when it holds no URL: the checked one is its first.
    handler.client.wss_uri = url
    handler.start()
    return 0


# Answers from a Slack that is there but unwell: they say nothing about the token.
_SLACK_UNWELL = frozenset(
    {"ratelimited", "internal_error", "service_unavailable", "fatal_error", "request_timeout"}
)


def check_app_token(settings: Settings) -> str | None:
    """Fail fast on an app-level token Slack rejects; the WebSocket URL it granted (None: Slack unreachable).

    apps.connections.open is what an app-level token is for (it needs the connections:write scope), and its
    URL serves as the Socket Mode client's first connection, so the check costs no extra call.
    """
    try:
        response = build_client(settings).apps_connections_open(app_token=settings.app_token or "")
    except SlackApiError as error:
        code = str(error.response.get("error"))
        if code in _SLACK_UNWELL or error.response.status_code >= 500:
            logger.warning("Slack could not check SLACK_APP_TOKEN right now (%s)", code)
            return None
        hint = " (the app-level token needs the connections:write scope)" if code == "missing_scope" else ""
        raise ConfigError(f"Slack rejected SLACK_APP_TOKEN: {code}{hint}") from None
    except OSError as error:
        logger.warning("could not reach Slack to check SLACK_APP_TOKEN (%s)", error)
        return None
    return str(response["url"])
