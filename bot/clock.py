"""The clock process: APScheduler fires one short tick about every minute; the database says what is due."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.now import Clock

logger = logging.getLogger(__name__)

TICK_SECONDS = 60


def schedule_ticks(scheduler: BaseScheduler, tick: Callable[[], object], clock: Clock) -> None:
    """One interval job; coalesced and single-instance so a slow tick never overlaps or piles up."""
    scheduler.add_job(
        _guarded(tick),
        IntervalTrigger(seconds=TICK_SECONDS, timezone=UTC),
        id="tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=TICK_SECONDS,
        next_run_time=clock(),
        replace_existing=True,
    )


def _guarded(tick: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            report = tick()
        except Exception:
            # The next tick retries: due work stays due in the database until it is done.
            logger.exception("tick failed")
        else:
            logger.debug("tick: %s", report)

    return run
