"""One delivery pass: claim what is due at `now`, try each message once, oldest first.

Each message goes through three short steps: read and render (no writes), call Slack outside any
transaction (so a slow Slack never holds SQLite's write lock), then record the outcome in its own
commit. A crash therefore loses at most the message in flight, which is sent again once its claim
expires (claims.py: the claim's expiry is also the fencing token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient

from bot.delivery.claims import prepare, record
from bot.delivery.holds import Holds
from bot.delivery.jobs import Job, Outcome, Renderer
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import send
from bot.store import outbox as store
from bot.store.db import SessionFactory

LEASE = timedelta(minutes=2)


@dataclass
class DeliveryPass:
    """What every step of a pass needs, at one `now`; the holds carry over from batch to batch."""

    sessions: SessionFactory
    client: WebClient
    render: Renderer
    now: datetime
    lease: timedelta = LEASE
    holds: Holds = field(default_factory=Holds)

    @property
    def claimed_until(self) -> datetime:
        return self.now + self.lease

    def batch(self, limit: int) -> DeliveryReport:
        """Claim up to `limit` due messages and try each once; stop at a workspace rate limit."""
        with self.sessions.begin() as session:
            ids = store.claim_due(session, self.now, limit=limit, lease=self.lease)
        report = DeliveryReport()
        for index, row_id in enumerate(ids):
            outcome = self._deliver_one(row_id)
            if outcome is not None:
                report.count(outcome, self.now)
                self.holds.learn(outcome, self.now)
            if self.holds.stopped:
                # Slack asked us to slow down: hand the rest back for the next call, schedule untouched.
                report.rate_limited = True
                with self.sessions.begin() as session:
                    store.release(session, ids[index + 1 :], self.claimed_until)
                break
        return report

    def _deliver_one(self, row_id: int) -> Outcome | None:
        with self.sessions() as session:
            prepared = prepare(session, self.render, row_id, self.claimed_until, self.now)
        if prepared is None:
            return None
        outcome = prepared
        if isinstance(prepared, Job):
            held_until = self.holds.check(prepared)
            if held_until is None:
                outcome = send(self.client, prepared)
            else:  # Slack already said no to this channel or method in this pass: don't ask again
                outcome = Outcome("deferred", reason="ratelimited", retry_after=held_until - self.now)
        with self.sessions.begin() as session:
            record(session, row_id, self.claimed_until, self.now, outcome)
        return outcome


def deliver_due(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Claim up to `limit` due messages and try each once, oldest first; stop at a workspace rate limit.

    `client` is used as given. Give it no RateLimitErrorRetryHandler (it would sleep inside the
    tick): a 429 here reschedules the row for after Retry-After instead.
    """
    return DeliveryPass(sessions, client, render, now, lease).batch(limit)


def deliver_all_due(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    max_batches: int = 1000,
) -> DeliveryReport:
    """Deliver batch after batch until nothing due is left or Slack rate-limits us; the summed report.

    Stops on an empty batch rather than on one that sent nothing: retries and failures are
    rescheduled or final, so every batch shrinks what is due at `now` and the loop ends.
    """
    # One pass for every batch: what Slack held back stays held back in the following batches.
    delivery = DeliveryPass(sessions, client, render, now)
    total = DeliveryReport()
    for _ in range(max_batches):
        report = delivery.batch(limit)
        total.add(report)
        if report.rate_limited or report.handled == 0:
            break
    return total
