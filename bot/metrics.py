"""What `/metrics` exposes, in Prometheus's text format (prometheus-client): ids, kinds and counts only.

Counted where they happen: Slack's requests by kind and outcome, and how long their acknowledgement took
(bot/slack/dedup.py), the outbox's delivery outcomes (bot/delivery/report.py), how long a tick took
(bot/clock.py). Read from the database at scrape time, so they are right in any process: the outbox's depth
by status and the clock's last tick (the clock may be another process).

gunicorn runs several workers and a scrape reaches one of them. `multiprocess_dir` makes the master a
directory before the workers fork (prometheus-client's multiprocess mode): each worker counts in files of
its own there, and the worker a scrape reaches adds up every worker's files, a restarted worker's included.
The mode is chosen when prometheus_client is imported (`values.ValueClass`), long before `serve` knows it
runs gunicorn; so it is chosen again here, and the metrics themselves are made on first use, after that.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.outbox import DeliveryStatus
from bot.store import heartbeats, outbox
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Slack's names for what it sends (interactivity payload types, Events API envelopes), and the events the
# manifest subscribes to. Anything else is counted as "other": a label value never comes from a forged body.
_PAYLOAD_TYPES = frozenset(
    {
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "url_verification",
        "app_rate_limited",
    }
)
_EVENT_TYPES = frozenset(
    {"app_home_opened", "message", "user_change", "app_uninstalled", "tokens_revoked", "app_mention"}
)
# Slack gives up at 3 s; the budget answers at 2.5 s (bot/slack/dedup.py).
_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 3.0, 5.0)
_TICK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class _Metrics:
    requests: Counter
    ack_seconds: Histogram
    deliveries: Counter
    tick_seconds: Histogram


class _Made:
    """The process's metrics, made on first use (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._metrics: _Metrics | None = None
        self.registry = CollectorRegistry()  # the single-process mode's; unused in multiprocess mode

    @property
    def made(self) -> bool:
        return self._metrics is not None

    def get(self) -> _Metrics:
        if self._metrics is None:
            with self._lock:
                if self._metrics is None:
                    self._metrics = _make(None if _multiprocess() else self.registry)
        return self._metrics


def _make(registry: CollectorRegistry | None) -> _Metrics:
    return _Metrics(
        requests=Counter(
            "oneonone_requests",
            "Requests from Slack by kind (Slack's name for it) and outcome.",
            ["kind", "outcome"],
            registry=registry,
        ),
        ack_seconds=Histogram(
            "oneonone_ack_seconds",
            "Seconds from a request's arrival to its acknowledgement, by kind.",
            ["kind"],
            buckets=_ACK_BUCKETS,
            registry=registry,
        ),
        deliveries=Counter(
            "oneonone_deliveries",
            "Outbox deliveries by result: sent, rate_limited (a 429), failed (for good), retry, dropped, "
            "deferred (held back by an earlier 429).",
            ["result"],
            registry=registry,
        ),
        tick_seconds=Histogram(
            "oneonone_tick_seconds",
            "Seconds a clock tick took to materialise meetings and queue what is due.",
            buckets=_TICK_BUCKETS,
            registry=registry,
        ),
    )


_made = _Made()


def _multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


# ------------------------------------------------------------------ counting


def count_request(kind: str, outcome: str, seconds: float) -> None:
    """A request from Slack was answered (`kind` from `request_kind`) after `seconds`."""
    metrics = _made.get()
    metrics.requests.labels(kind, outcome).inc()
    metrics.ack_seconds.labels(kind).observe(seconds)


def count_delivery(result: str) -> None:
    _made.get().deliveries.labels(result).inc()


def observe_tick(seconds: float) -> None:
    _made.get().tick_seconds.observe(seconds)


def request_kind(body: dict[str, object]) -> str:
    """Slack's name for a request: "command", a payload type, or "event:<type>"; "other" for the rest."""
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        event_type = event.get("type") if isinstance(event, dict) else None
        return f"event:{event_type}" if event_type in _EVENT_TYPES else "event:other"
    return kind if isinstance(kind, str) and kind in _PAYLOAD_TYPES else "other"


# ------------------------------------------------------------------ exposing


def exposition(sessions: SessionFactory) -> bytes:
    """Everything /metrics shows: this process's (or every worker's) counts, and the database's gauges."""
    registry = CollectorRegistry()
    if _multiprocess():
        MultiProcessCollector(registry)
    else:
        registry.register(_made.registry)
    registry.register(DatabaseGauges(sessions))
    return generate_latest(registry)


class DatabaseGauges(Collector):
    """The outbox's depth by status (one GROUP BY) and the clock's last tick, read at scrape time."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("oneonone_database_up", "1 when /metrics could read the database just now.")
        try:
            with self._sessions() as session:
                depth = outbox.count_by_status(session)
                last_tick = heartbeats.last(session, heartbeats.CLOCK)
        except SQLAlchemyError as error:
            logger.warning("metrics: could not read the database: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        rows = GaugeMetricFamily("oneonone_outbox_messages", "Outbox rows by status.", labels=["status"])
        for status in DeliveryStatus:
            rows.add_metric([status.value], depth.get(status, 0))
        yield rows
        if last_tick is not None:  # never ticked: absent, as Prometheus expects of an unknown time
            yield GaugeMetricFamily(
                "oneonone_clock_last_tick_timestamp_seconds",
                "When the clock last ticked (unix seconds), from the database.",
                value=last_tick.timestamp(),
            )


# ------------------------------------------------------------------ gunicorn's workers


@contextmanager
def multiprocess_dir() -> Iterator[Path]:
    """Multiprocess mode for the processes forked inside: a fresh directory (removed afterwards), or the
    operator's own PROMETHEUS_MULTIPROC_DIR (kept: wiping it between runs is then theirs to do)."""
    given = os.environ.get(MULTIPROC_ENV)
    if _made.made and not given:
        # Made in single-process mode, they would count where no scrape of a worker looks.
        raise RuntimeError("metrics were made before multiprocess mode was chosen")
    made = None if given else tempfile.mkdtemp(prefix="oneonone-metrics-")
    path = Path(given or made or "")
    os.environ[MULTIPROC_ENV] = str(path)
    values.ValueClass = values.get_value_class()  # chosen again: prometheus_client was imported without it
    try:
        yield path
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
            del os.environ[MULTIPROC_ENV]
            values.ValueClass = values.get_value_class()
