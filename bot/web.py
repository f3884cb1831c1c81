"""HTTP serving: Bolt at POST /slack/events, GET /healthz, GET /metrics, GET /calendar/<token>.ics, behind
gunicorn; and /healthz and /metrics alone, on a small server of their own, for the processes that serve no
HTTP otherwise (Socket Mode, the clock)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import UTC
from email.utils import format_datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.calendar.token import is_feed_path, token_in_path
from bot.config import DEFAULT_HOST
from bot.health import Health, HealthCheck
from bot.now import Clock, system_clock
from bot.services import calendar_feed
from bot.store import revisions  # noqa: F401  (the web process changes meetings too: SEQUENCE must rise)
from bot.store.db import SessionFactory, make_session_factory

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


OPERATOR_PATHS = ("/healthz", "/metrics")


def build_wsgi(app: App, engine: Engine, clock: Clock = system_clock) -> WsgiApp:
    bolt = SlackRequestHandler(app, path="/slack/events")
    sessions = make_session_factory(engine)
    operator = operator_wsgi(sessions, clock)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if path in OPERATOR_PATHS and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return operator(environ, start_response)
        if is_feed_path(path):
            return _calendar(environ, start_response, sessions, clock)
        return bolt(environ, start_response)

    return application


def operator_wsgi(sessions: SessionFactory, clock: Clock = system_clock) -> WsgiApp:
    """GET /healthz and GET /metrics, for monitors and Prometheus; 404 for anything else."""
    health = HealthCheck(sessions, clock)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        if path not in OPERATOR_PATHS:
            return _plain(start_response, "404 Not Found", b"Not found.\n", [])
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"", [("Allow", "GET, HEAD")])
        if path == "/healthz":
            return _healthz(health(), start_response)
        body = metrics.exposition(sessions)
        start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body]

    return application


def _healthz(health: Health, start_response: Callable[..., Any]) -> Iterable[bytes]:
    if health.database != "ok":
        logger.error("health check: the database is unhealthy: %s", health.database)
    elif not health.ok:
        logger.error(
            "health check: the clock has been silent for more than five minutes (%s)", health.clock()
        )
    status = "200 OK" if health.ok else "503 Service Unavailable"
    payload = json.dumps(health.as_json()).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def _calendar(
    environ: dict[str, Any], start_response: Callable[..., Any], sessions: SessionFactory, clock: Clock
) -> Iterable[bytes]:
    """A person's calendar feed, for calendar apps that subscribe to it; reads the database only."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "HEAD"):
        return _plain(start_response, "405 Method Not Allowed", b"", [("Allow", "GET, HEAD")])
    token = token_in_path(environ.get("PATH_INFO") or "")
    try:
        served = calendar_feed.serve(sessions, token, clock()) if token else None
    except SQLAlchemyError:
        # Never the token in the log: it is the feed's only secret.
        logger.exception("calendar feed: the database failed")
        return _plain(
            start_response, "503 Service Unavailable", b"Try again later.\n", [("Retry-After", "60")]
        )
    if served is None:  # unknown, reset, or malformed: the same answer
        return _plain(start_response, "404 Not Found", b"No such calendar.\n", [])
    headers = [
        ("ETag", served.etag),
        ("Last-Modified", format_datetime(served.last_modified.astimezone(UTC), usegmt=True)),
        # A feed is one person's; a calendar app revalidates it every time (If-None-Match is cheap).
        ("Cache-Control", "private, no-cache"),
    ]
    if _matches(environ.get("HTTP_IF_NONE_MATCH"), served.etag):
        start_response("304 Not Modified", headers)
        return []
    headers += [("Content-Type", "text/calendar; charset=utf-8"), ("Content-Length", str(len(served.body)))]
    start_response("200 OK", headers)
    return [] if method == "HEAD" else [served.body]


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or any listed tag equal by the weak comparison."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _plain(
    start_response: Callable[..., Any], status: str, body: bytes, extra: list[tuple[str, str]]
) -> Iterable[bytes]:
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *extra],
    )
    return [body]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per scrape: Prometheus asks every 15 seconds."""


def serve_operator_endpoints(
    sessions: SessionFactory, host: str, port: int, clock: Clock = system_clock
) -> WSGIServer | None:
    """/healthz and /metrics on `port`, from a daemon thread, for a process that serves no HTTP otherwise.
    A port in use is a warning, not a stop: what the process is for (Slack, the clock) goes on without."""
    try:
        server = make_server(
            host,
            port,
            operator_wsgi(sessions, clock),
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
    except OSError as error:
        logger.warning(
            "cannot serve /healthz and /metrics on %s:%s (%s); set PORT to a free port", host, port, error
        )
        return None
    threading.Thread(target=server.serve_forever, name="operator-http", daemon=True).start()
    logger.info("serving /healthz and /metrics on %s:%s", host, server.server_port)
    return server


class GunicornLogs(glogging.Logger):  # type: ignore[misc]
    """gunicorn's own lines through the process's log handler (bot/logs.py): one format, text or JSON."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run from code, so `python -m bot serve` needs no separate config file.

    `load` runs in each worker after the fork, so every worker opens its own database connections.
    """

    def __init__(self, load: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._load()


def server_options(
    port: int, *, host: str = DEFAULT_HOST, workers: int | None = None, **extra: Any
) -> dict[str, Any]:
    """gunicorn's settings; `host` is Settings.host (HOST: 127.0.0.1 behind a reverse proxy)."""
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",  # an IPv6 address in brackets
        "workers": workers or int(os.environ.get("WEB_CONCURRENCY", "2")),
        "worker_class": "gthread",
        # A request is mostly Python on the CPU: more threads per worker only take turns at the GIL
        # (and on SQLite, a thread holding the write turn waits for its siblings). 2 beat 4 at 50
        # clients on both databases (benchmarks/RESULTS.md, "Acknowledgement latency").
        "threads": int(os.environ.get("WEB_THREADS", "2")),
        "timeout": 30,
        "graceful_timeout": 10,
        "errorlog": "-",
        "loglevel": "info",
        "logger_class": GunicornLogs,
        # Several servers (web, tests, benchmarks) on one machine would fight over one control socket path.
        "control_socket_disable": True,
        **extra,
    }
