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
from bot.delivery.tokens import Clients, as_clients
from bot.store import outbox as store
from bot.store.db import SessionFactory

LEASE = timedelta(minutes=2)


@dataclass
class DeliveryPass:
    """What every step of a pass needs, at one `now`; the holds carry over from batch to batch."""

    sessions: SessionFactory
    clients: Clients
    render: Renderer
    now: datetime
    lease: timedelta = LEASE
    holds: Holds = field(init=False)
    # The newest row this pass claimed: each batch claims only newer ones, so the rows of a workspace
    # Slack stopped, handed back, are not claimed again in this pass (nor crowd out the others').
    claimed_up_to: int = field(default=0, init=False)
    drained: bool = field(default=False, init=False)  # the last batch found nothing due

    def __post_init__(self) -> None:
        self.holds = Holds(per_workspace=self.clients.per_workspace)

    @property
    def claimed_until(self) -> datetime:
        return self.now + self.lease

    def batch(self, limit: int) -> DeliveryReport:
        """Claim up to `limit` due messages and try each once; a workspace rate limit stops its messages."""
        with self.sessions.begin() as session:
            ids = store.claim_due(session, self.now, limit=limit, lease=self.lease, after=self.claimed_up_to)
        self.claimed_up_to = max(ids, default=self.claimed_up_to)
        self.drained = not ids
        report = DeliveryReport()
        handed_back: list[int] = []
        for index, row_id in enumerate(ids):
            if self.holds.everything_stopped:
                handed_back.extend(ids[index:])
                break
            with self.sessions() as session:
                prepared = prepare(session, self.render, row_id, self.claimed_until, self.now)
            if prepared is None:
                continue
            if isinstance(prepared, Job) and self.holds.stopped_for(prepared):
                handed_back.append(row_id)
                continue
            outcome = self._send(prepared) if isinstance(prepared, Job) else prepared
            with self.sessions.begin() as session:
                record(session, row_id, self.claimed_until, self.now, outcome)
            report.count(outcome, self.now)
        if handed_back:
            # Slack asked us to slow down: hand them back for the next pass, schedule untouched.
            with self.sessions.begin() as session:
                store.release(session, handed_back, self.claimed_until)
        report.rate_limited = bool(self.holds.stopped)
        return report

    def _send(self, job: Job) -> Outcome:
        held_until = self.holds.check(job)
        if held_until is not None:  # Slack already said no to this channel or method in this pass: don't ask
            return Outcome("deferred", reason="ratelimited", retry_after=held_until - self.now)
        client = self.clients.client_for(job)
        if isinstance(client, Outcome):
            return client
        outcome = send(client, job)
        self.holds.learn(job, outcome, self.now)
        return outcome


def deliver_due(
    sessions: SessionFactory,
    client: WebClient | Clients,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    lease: timedelta = LEASE,
) -> DeliveryReport:
    """Claim up to `limit` due messages and try each once, oldest first; stop at a workspace rate limit.

    `client` (one WebClient, or each workspace's: tokens.py) is used as given. Give it no
    RateLimitErrorRetryHandler (it would sleep inside the tick): a 429 here reschedules the row for after
    Retry-After instead.
    """
    return DeliveryPass(sessions, as_clients(client), render, now, lease).batch(limit)


def deliver_all_due(
    sessions: SessionFactory,
    client: WebClient | Clients,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    max_batches: int = 1000,
) -> DeliveryReport:
    """Deliver batch after batch until nothing due is left or Slack rate-limits us; the summed report.

    Stops when a batch claims nothing: each batch claims only rows newer than the last one's (what it
    handed back is not claimed again), so the loop ends. With each workspace's token, one workspace's
    rate limit holds back only its own messages; with one token it ends the pass.
    """
    # One pass for every batch: what Slack held back stays held back in the following batches.
    delivery = DeliveryPass(sessions, as_clients(client), render, now)
    total = DeliveryReport()
    for _ in range(max_batches):
        total.add(delivery.batch(limit))
        if delivery.holds.everything_stopped or delivery.drained:
            break
    return total
