"""HTTP serving: Bolt at POST /slack/events, GET /healthz, behind gunicorn."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot.health import Health, HealthCheck
from bot.now import Clock, system_clock
from bot.store.db import make_session_factory

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi(app: App, engine: Engine, clock: Clock = system_clock) -> WsgiApp:
    bolt = SlackRequestHandler(app, path="/slack/events")
    health = HealthCheck(make_session_factory(engine), clock)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _healthz(health(), start_response)
        return bolt(environ, start_response)

    return application


def _healthz(health: Health, start_response: Callable[..., Any]) -> Iterable[bytes]:
    if not health.ok:
        logger.error("health check: the database is unhealthy: %s", health.database)
    status = "200 OK" if health.ok else "503 Service Unavailable"
    payload = json.dumps(health.as_json()).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


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


def server_options(port: int, *, workers: int | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "bind": f"{os.environ.get('HOST', '0.0.0.0')}:{port}",
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
        # Several servers (web, tests, benchmarks) on one machine would fight over one control socket path.
        "control_socket_disable": True,
        **extra,
    }
