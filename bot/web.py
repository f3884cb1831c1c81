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
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import ping

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_wsgi(app: App, engine: Engine) -> WsgiApp:
    bolt = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return _healthz(engine, start_response)
        return bolt(environ, start_response)

    return application


def _healthz(engine: Engine, start_response: Callable[..., Any]) -> Iterable[bytes]:
    try:
        ping(engine)
    except SQLAlchemyError:
        logger.exception("health check: database unavailable")
        status, body = "503 Service Unavailable", {"ok": False, "database": "unavailable"}
    else:
        status, body = "200 OK", {"ok": True, "database": "ok"}
    payload = json.dumps(body).encode()
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
