"""Delivering in the background: `deliver_until_idle` waits out Retry-After between passes, and
`BackgroundDeliverer` runs it on a daemon thread whenever kicked (the app's requests, the clock's ticks).

With one token (SLACK_BOT_TOKEN) a pass sends in turn and one Retry-After holds everything back, as Slack
does: it is one workspace. Installed in many workspaces, a pass sends each workspace's messages in a lane of
its own (lanes.py), each sitting out only its own workspace's Retry-After while the others go on."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient

from bot.delivery.jobs import Renderer
from bot.delivery.lanes import deliver_in_lanes
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport, log_pass
from bot.delivery.tokens import Clients, as_clients
from bot.now import Clock
from bot.store import space
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)

# The longest rate-limit wait the background deliverer sits out; a longer one is left to the next tick.
MAX_WAIT = timedelta(minutes=1)
# Waits up to the given seconds; True when it was told to stop instead.
Waiter = Callable[[float], bool]


def deliver_until_idle(
    sessions: SessionFactory,
    client: WebClient | Clients,
    render: Renderer,
    clock: Clock,
    *,
    wait: Waiter,
    limit: int = 200,
    max_wait: timedelta = MAX_WAIT,
) -> DeliveryReport:
    """Deliver everything due, waiting out rate limits, until nothing held back is left; the summed report.

    After a pass that Slack rate-limited, `wait` sits until the earliest message held back may go
    again (its Retry-After), then the next pass starts at `clock()`. A wait longer than `max_wait` is
    left to the next call (the clock's next tick), and so are retries after errors (minutes of back-off).
    Each workspace's own token (OAuth): a pass's lanes wait out their own workspace's Retry-After (the
    same `wait`, `max_wait`), so what is left to wait for here is only what a lane could not send.
    """
    clients = as_clients(client)
    total = DeliveryReport()
    while True:
        if clients.per_workspace:
            report = deliver_in_lanes(
                sessions, clients, render, clock, wait=wait, max_wait=max_wait, limit=limit
            )
        else:
            report = deliver_all_due(sessions, clients, render, clock(), limit=limit)
        total.add(report)
        total.resume_at = report.resume_at
        if report.resume_at is None:
            return total
        delay = (report.resume_at - clock()).total_seconds()
        if delay > max_wait.total_seconds():
            return total
        if delay > 0 and wait(delay):
            return total


class BackgroundDeliverer:
    """Delivers from a daemon thread whenever kicked, so neither a web request nor the tick waits for Slack.

    Each kick runs `deliver_until_idle`: a rate limit is waited out (up to `max_wait`) and delivery goes
    on until nothing is due. Kicks coalesce: any number of kicks during a pass lead to one more pass.
    `wait` defaults to a real wait that `stop()` cuts short; tests pass one that moves their clock.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        client: WebClient | Clients,
        render: Renderer,
        clock: Clock,
        *,
        wait: Waiter | None = None,
        max_wait: timedelta = MAX_WAIT,
    ) -> None:
        self._sessions = sessions
        self._client = as_clients(client)  # one object for every pass: its clients are kept
        self._render = render
        self._clock = clock
        self._max_wait = max_wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._idle = threading.Condition()
        self._pending = False  # kicked, and the pass that answers the kick has not finished
        # Told each pass's report: an INFO line (the clock's adds its ticks); set before the first kick.
        self.on_pass: Callable[[DeliveryReport], None] | None = log_pass

    def kick(self) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-deliverer", daemon=True)
                self._thread.start()
        with self._idle:  # with the wake-up, so the thread never sees one without the other
            self._pending = True
            self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Until every kick so far has had its pass (tests; a clean shutdown); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._stop.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # Cleared before the pass, so a kick arriving during it triggers one more.
            self._wake.clear()
            if self._stopping:
                self._settle()
                return
            try:
                report = deliver_until_idle(
                    self._sessions,
                    self._client,
                    self._render,
                    self._clock,
                    wait=self._wait,
                    max_wait=self._max_wait,
                )
                if self.on_pass is not None:
                    self.on_pass(report)
            except Exception as error:
                if space.is_disk_full(error):  # one line: the tick's log says the same each minute
                    logger.error("background outbox delivery failed: the database's disk is full")
                else:
                    logger.exception("background outbox delivery failed")
            finally:
                self._settle()

    def _settle(self) -> None:
        with self._idle:
            if not self._wake.is_set() or self._stopping:
                self._pending = False
                self._idle.notify_all()
