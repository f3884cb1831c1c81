"""Delivering to many workspaces at once: a lane per workspace, each waiting out only its own Retry-After.

Installed in many workspaces (OAuth), each workspace has its own token and so its own rate limits: sent in
turn, ten workspaces at ten messages a second each would take ten times as long as one, and one
workspace's Retry-After would hold up all the others. So a pass here claims what is due (oldest first,
batch by batch, as passes.py does) and hands each row to its workspace's lane; up to `MAX_LANES` lanes
send at once, each on a thread of its own, in the order the rows were claimed. When Slack stops a
workspace (its chat.postMessage limit), its lane keeps the message and its claim, sits out Slack's
Retry-After (up to `max_wait`) and goes on, while the other lanes keep sending. A longer wait, or a
deliverer told to stop, ends the lane as a pass ends today: the message is rescheduled for after
Retry-After and the lane's other rows are handed back untouched.

Exactly once as before: a row is claimed by one pass only (claim_due), each step is fenced by the claim's
expiry (claims.py: `prepare` reads, `record` writes, only while the claim is still ours), and a lane that
waits long renews its claims before they run out (`store.renew`, fenced the same way), so no other sender
takes them over meanwhile. Every message is still read and rendered just before its Slack call.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.delivery.claims import prepare, record, teams_of
from bot.delivery.holds import Holds
from bot.delivery.jobs import Job, Outcome, Renderer
from bot.delivery.passes import LEASE
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import send
from bot.delivery.tokens import Clients
from bot.now import Clock
from bot.store import outbox as store
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)

# Lanes sending at once. A lane waiting out its Retry-After keeps its thread, so this is also how many
# workspaces can wait at the same time; more workspaces with work wait for a free thread.
MAX_LANES = 16
# How often (real seconds) a pass whose lanes are still busy claims what was queued since it began.
SWEEP_EVERY = 1.0
# Waits up to the given seconds; True when told to stop instead (background.py's Waiter).
Waiter = Callable[[float], bool]


@dataclass
class Claimed:
    row_id: int
    claimed_until: datetime  # the claim's expiry: the fencing token of every step


@dataclass
class Lane:
    """One workspace's claimed rows, oldest first, sent by one thread at a time."""

    team_id: str | None
    rows: deque[Claimed] = field(default_factory=deque)
    running: bool = False
    ended: bool = False  # Slack held it back longer than the pass waits: what it gets is handed back
    report: DeliveryReport = field(default_factory=DeliveryReport)


class LanePass:
    """One pass over everything due, a lane per workspace (see the module's docstring)."""

    def __init__(
        self,
        sessions: SessionFactory,
        clients: Clients,
        render: Renderer,
        clock: Clock,
        *,
        wait: Waiter,
        max_wait: timedelta,
        limit: int = 200,
        lanes: int = MAX_LANES,
        lease: timedelta = LEASE,
    ) -> None:
        self.sessions, self.clients, self.render, self.clock = sessions, clients, render, clock
        self.wait, self.max_wait, self.limit, self.lease = wait, max_wait, limit, lease
        self.max_lanes = lanes
        self.lanes: dict[str | None, Lane] = {}
        # Each claim takes only newer rows: what was handed back waits for the next pass.
        self.claimed_up_to = 0
        self.stopping = False
        self.errors: list[BaseException] = []
        self._changed = threading.Condition()

    def run(self) -> DeliveryReport:
        with ThreadPoolExecutor(self.max_lanes, thread_name_prefix="outbox-lane") as pool:
            while self._claim(pool) or self._busy():
                with self._changed:  # until a lane is done, or it is time to look for newly due rows
                    self._changed.wait_for(lambda: not self._busy(), SWEEP_EVERY)
        if self.errors:
            raise self.errors[0]
        total = DeliveryReport()
        for lane in self.lanes.values():
            total.add(lane.report)
        return total

    def _busy(self) -> bool:
        with self._changed:
            return any(lane.running for lane in self.lanes.values())

    def _claim(self, pool: ThreadPoolExecutor) -> bool:
        """Claim every row due now (newer than the last claimed), batch by batch, into its lane; any?"""
        claimed = False
        while not self.stopping:
            now = self.clock()
            with self.sessions.begin() as session:
                ids = store.claim_due(
                    session, now, limit=self.limit, lease=self.lease, after=self.claimed_up_to
                )
            if not ids:
                return claimed
            claimed = True
            self.claimed_up_to = max(ids)
            with self.sessions() as session:
                teams = teams_of(session, ids)
            self._route([(Claimed(i, now + self.lease), teams.get(i)) for i in ids], pool)
        return claimed

    def _route(self, rows: list[tuple[Claimed, str | None]], pool: ThreadPoolExecutor) -> None:
        handed_back: dict[datetime, list[int]] = {}
        with self._changed:
            for row, team in rows:
                lane = self.lanes.setdefault(team, Lane(team))
                if lane.ended or self.stopping:
                    handed_back.setdefault(row.claimed_until, []).append(row.row_id)
                    continue
                lane.rows.append(row)
                if not lane.running:
                    lane.running = True
                    pool.submit(self._drain, lane)
        self._hand_back(handed_back)

    def _drain(self, lane: Lane) -> None:
        """The lane's thread: send its rows in order until none is left (or Slack ends it)."""
        try:
            _LaneSender(self, lane).run()  # it marks the lane idle as it finds no row left
        except BaseException as error:
            # The pass re-raises it; the lane's rows wait for their claims to run out, as after a crash.
            self.errors.append(error)
            self.stopping = True
            with self._changed:
                lane.running = False
                self._changed.notify_all()

    def _hand_back(self, rows: dict[datetime, list[int]]) -> None:
        """Release claims, schedule untouched: the rows go in the next pass."""
        if rows:
            with self.sessions.begin() as session:
                for claimed_until, ids in rows.items():
                    store.release(session, ids, claimed_until)


class _LaneSender:
    """Sends one lane's rows: read and render, call Slack, record, as passes.py, at the clock's time."""

    def __init__(self, owner: LanePass, lane: Lane) -> None:
        self.owner, self.lane = owner, lane
        self.holds = Holds(per_workspace=True)

    def run(self) -> None:
        while (row := self._next()) is not None:
            if self.owner.stopping:  # the deliverer is stopping (or another lane failed): leave the rest
                self._end(keep=0)
                continue
            row = self._renewed(row)
            if row is None:
                continue
            now = self.owner.clock()
            with self.owner.sessions() as session:
                prepared = prepare(session, self.owner.render, row.row_id, row.claimed_until, now)
            if prepared is None:
                self._pop()
                continue
            outcome = self._send(prepared, now) if isinstance(prepared, Job) else prepared
            if outcome.result == "rate_limited" and self.holds.stopped:
                if self._waited(outcome, now):
                    continue  # the same row again, still ours
                self._end()
            self._pop()
            with self.owner.sessions.begin() as session:
                record(session, row.row_id, row.claimed_until, now, outcome)
            self.lane.report.count(outcome, now)

    def _next(self) -> Claimed | None:
        """The lane's oldest row; when none is left the lane is idle (in the same breath, so a row the pass
        routes to it afterwards starts it again)."""
        with self.owner._changed:
            if self.lane.rows:
                return self.lane.rows[0]
            self.lane.running = False
            self.owner._changed.notify_all()
            return None

    def _pop(self) -> None:
        with self.owner._changed:
            self.lane.rows.popleft()

    def _send(self, job: Job, now: datetime) -> Outcome:
        held_until = self.holds.check(job)
        if held_until is not None:  # Slack already said no to this channel or method: don't ask
            return Outcome("deferred", reason="ratelimited", retry_after=held_until - now)
        client = self.owner.clients.client_for(job)
        if isinstance(client, Outcome):
            return client
        outcome = send(client, job)
        self.holds.learn(job, outcome, now)
        return outcome

    def _waited(self, outcome: Outcome, now: datetime) -> bool:
        """Slack stopped this workspace: sit out its Retry-After here, alone, if the pass may wait so long."""
        self.lane.report.rate_limited = True
        if self.owner.stopping or outcome.retry_after > self.owner.max_wait:
            return False
        self.lane.report.waited(outcome)
        if outcome.retry_after.total_seconds() > 0 and self.owner.wait(outcome.retry_after.total_seconds()):
            self.owner.stopping = True  # the deliverer is stopping: every lane ends
            return False
        self.holds = Holds(per_workspace=True)  # as a new pass: what Slack held back may go again
        return True

    def _end(self, keep: int = 1) -> None:
        """Slack holds the workspace back for longer than the pass waits (or the pass is stopping): all but
        the row in hand (`keep` 1; `record` reschedules it) are handed back, and so is whatever the pass
        claims for the lane later."""
        with self.owner._changed:
            self.lane.ended = True
            rest = list(self.lane.rows)[keep:]
            for _ in rest:
                self.lane.rows.pop()
        handed_back: dict[datetime, list[int]] = {}
        for row in rest:
            handed_back.setdefault(row.claimed_until, []).append(row.row_id)
        self.owner._hand_back(handed_back)

    def _renewed(self, row: Claimed) -> Claimed | None:
        """The row, its claim renewed (with every row of the lane claimed with it) if it runs out soon; None
        when it was lost (the row is no longer ours)."""
        now = self.owner.clock()
        if row.claimed_until - now > self.owner.lease / 2:
            return row
        until = now + self.owner.lease
        with self.owner._changed:
            same = [r for r in self.lane.rows if r.claimed_until == row.claimed_until]
        with self.owner.sessions.begin() as session:
            kept = set(store.renew(session, [r.row_id for r in same], row.claimed_until, until))
        with self.owner._changed:
            for r in same:
                r.claimed_until = until
            lost = [r for r in same if r.row_id not in kept]
            for r in lost:
                self.lane.rows.remove(r)
        if lost:
            logger.warning("outbox lane %s: %s claims lost before renewal", self.lane.team_id, len(lost))
        return row if row.row_id in kept else None


def deliver_in_lanes(
    sessions: SessionFactory,
    clients: Clients,
    render: Renderer,
    clock: Clock,
    *,
    wait: Waiter,
    max_wait: timedelta,
    limit: int = 200,
    lanes: int = MAX_LANES,
) -> DeliveryReport:
    """One pass over everything due, each workspace's messages in a lane of their own (see above)."""
    return LanePass(
        sessions, clients, render, clock, wait=wait, max_wait=max_wait, limit=limit, lanes=lanes
    ).run()
