"""`DeliveryReport`: what a pass (or several, summed) did with the messages it claimed.

Each outcome is counted here once, as it happens: in the report and in the process's metrics
(`oneonone_deliveries_total`, bot/metrics.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot import metrics
from bot.delivery.jobs import Outcome

logger = logging.getLogger("bot.delivery")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    deferred: int = 0  # held back by a rate limit, due again at `resume_at`; no attempt counted
    rate_limited: bool = False  # chat.postMessage was rate limited for the workspace: the batch stopped
    # When the earliest message held back by a rate limit may go again; None when nothing was.
    resume_at: datetime | None = field(default=None, compare=False)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.dropped + self.deferred

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.dropped += other.dropped
        self.deferred += other.deferred
        self.rate_limited = self.rate_limited or other.rate_limited
        self.resume_at = _earliest(self.resume_at, other.resume_at)

    def count(self, outcome: Outcome, now: datetime) -> None:
        metrics.count_delivery(outcome.result)
        match outcome.result:
            case "sent":
                self.sent += 1
            case "retry":
                self.retried += 1
            case "failed":
                self.failed += 1
            case "dropped":
                self.dropped += 1
            case "rate_limited" | "deferred":
                self.deferred += 1
                self.resume_at = _earliest(self.resume_at, now + outcome.retry_after)

    def waited(self, outcome: Outcome) -> None:
        """A rate limit its lane sat out, keeping the message to send it next (lanes.py): counted as held
        back, but nothing is left waiting for a later pass."""
        metrics.count_delivery(outcome.result)
        self.deferred += 1

    def describe(self) -> str:
        """The report in a log line: counts only."""
        waiting = "; the rest waits for the next tick" if self.resume_at is not None else ""
        return (
            f"delivery: {self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.dropped} dropped, {self.deferred} held back by rate limits{waiting}"
        )


def log_pass(report: DeliveryReport) -> None:
    """A background deliverer's line per pass (the web process's; the clock's adds its ticks, ClockTick)."""
    logger.info("%s", report.describe())


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)
