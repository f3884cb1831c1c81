"""Work that needs Slack, done after the acknowledgement has left.

Slack gives an app 3 seconds to acknowledge a command, click or submission, and a Web API call can
take longer than that on a bad day. So listeners answer from the database first and hand anything
that talks to Slack (views.open, response_url, users.info) to this pool. Bolt's own lazy listeners
run again from the raw request, which would repeat the work the ack did; this runs what the ack
decided. A failure is logged with its traceback, never dropped silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.store import outbox

logger = logging.getLogger(__name__)

WORKERS = 4  # mostly waiting on Slack's answers, not on the CPU


class AfterAck:
    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="after-ack")
        self._idle = threading.Condition()
        self._running = 0
        # Kicks the deliverer after work that queued a message (the app factory wires it).
        self.kick: Callable[[], None] | None = None

    def run(self, work: Callable[[], object], what: str) -> None:
        """Run `work` soon on a pool thread; `what` names it in the log if it fails (ids only)."""
        with self._idle:
            self._running += 1
        self._pool.submit(self._guarded, work, what)

    def _guarded(self, work: Callable[[], object], what: str) -> None:
        try:
            with outbox.watching() as queued:
                try:
                    work()
                finally:  # what was queued goes out even when answering Slack failed afterwards
                    if queued() and self.kick is not None:
                        self.kick()
        except Exception:
            logger.exception("after the acknowledgement, %s failed", what)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing is queued or running (tests, and a clean shutdown); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)
