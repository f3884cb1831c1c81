"""The clock process: APScheduler fires one short tick about every minute; the database says what is due."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.delivery.background import BackgroundDeliverer
from bot.delivery.report import DeliveryReport
from bot.now import Clock
from bot.services.tick import TickReport
from bot.store.space import is_disk_full

logger = logging.getLogger(__name__)

TICK_SECONDS = 60
BUSY_READ_SECONDS = 60  # each run reads the calendars due (none is read more often than every 15 minutes)
RETENTION_SECONDS = 3600  # a run that finds nothing due costs a few small reads


def schedule_ticks(scheduler: BaseScheduler, tick: Callable[[], object], clock: Clock) -> None:
    _every(scheduler, TICK_SECONDS, "tick", _guarded(tick), clock)


def schedule_busy_reads(scheduler: BaseScheduler, read: Callable[[], object], clock: Clock) -> None:
    """People's own calendars are read by a job of their own: a slow calendar server never delays a tick."""
    _every(scheduler, BUSY_READ_SECONDS, "busy-calendars", _guarded(read, "reading busy calendars"), clock)


def schedule_retention(scheduler: BaseScheduler, run: Callable[[], object], clock: Clock) -> None:
    """What the operator's retention settings say must go (bot/services/retention.py), every hour, by a job
    of its own: a big deletion never delays a tick."""
    _every(scheduler, RETENTION_SECONDS, "retention", _guarded(run, "deleting by retention"), clock)


def _every(scheduler: BaseScheduler, seconds: int, name: str, job: Callable[[], None], clock: Clock) -> None:
    """One interval job, first run now; coalesced and single-instance so a slow run never overlaps or
    piles up."""
    scheduler.add_job(
        job,
        IntervalTrigger(seconds=seconds, timezone=UTC),
        id=name,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=seconds,
        next_run_time=clock(),
        replace_existing=True,
    )


def _guarded(tick: Callable[[], object], what: str = "tick") -> Callable[[], None]:
    again = "tick" if what == "tick" else "run"

    def run() -> None:
        try:
            tick()
        except Exception as error:
            # The next run retries: due work stays due in the database until it is done.
            if is_disk_full(error):  # the operator's problem, not the code's: one line, no traceback
                logger.error("%s failed: the database's disk is full; the next %s tries again", what, again)
            else:
                logger.exception("%s failed", what)

    return run


class ClockTick:
    """The clock process's tick: queue what is due, kick the deliverer; one INFO line per delivery pass.

    The deliverer sends from its own thread, waits out Slack's rate limits (Retry-After) and goes on
    until nothing is due, so a long delivery never delays a tick; kicks during a pass make one more.
    Its line says what the ticks since the last line queued and what the pass did: one line a minute when
    nothing is due (every tick kicks a pass), cause and effect side by side when something is. How long
    each tick took, and when the last one ran, are in /metrics (bot/metrics.py) and /healthz.
    """

    def __init__(
        self, tick: Callable[[datetime], TickReport], deliverer: BackgroundDeliverer, clock: Clock
    ) -> None:
        self._tick = tick
        self._clock = clock
        self._lock = threading.Lock()
        self._since_last_line: TickReport | None = None
        self.deliverer = deliverer
        deliverer.on_pass = self._log_pass

    def __call__(self) -> TickReport:
        started = time.perf_counter()
        report = self._tick(self._clock())
        metrics.observe_tick(time.perf_counter() - started)
        with self._lock:
            earlier = self._since_last_line
            self._since_last_line = report if earlier is None else earlier.plus(report)
        self.deliverer.kick()
        return report

    def _log_pass(self, delivery: DeliveryReport) -> None:
        with self._lock:
            ticks, self._since_last_line = self._since_last_line, None
        logger.info("%s; %s", describe_tick(ticks) if ticks else "delivery", delivery.describe())


def describe_tick(report: TickReport) -> str:
    at = report.at.astimezone(UTC)  # the latest tick's instant, when several fed one pass
    return (
        f"tick {at:%Y-%m-%dT%H:%M:%SZ}: {report.meetings_materialised} meetings materialised, "
        f"{report.messages_queued} messages queued"
    )
