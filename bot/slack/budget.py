"""Work whose answer has a deadline: Slack waits 3 seconds for an acknowledgement, whatever the database does.

`Budget.run` does the work on a pool thread and waits for it at most `seconds`. In time, its result is the
answer; late, a stand-in answer leaves at the deadline and the work goes on, and once it finishes its
result is handed to `then` (which tells the person the outcome). Either the result is the answer or
`then` gets it, never both and never neither, however close the work finishes to the deadline.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass
class _Call(Generic[R]):
    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None
    answered_without_it: bool = False

    def outcome(self) -> R:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class Budget:
    def __init__(self, seconds: float, workers: int) -> None:
        self.seconds = seconds
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="request")
        self._idle = threading.Condition()
        self._running = 0

    def run(self, work: Callable[[], R], *, late: Callable[[], R], then: Callable[[R | None], None]) -> R:
        """`work()`'s result within the budget; else `late()` now, and `then(result)` (None if it raised)
        once the work is done. The work runs in a copy of the caller's context."""
        call: _Call[R] = _Call()
        with self._idle:
            self._running += 1
        self._pool.submit(self._work, call, contextvars.copy_context(), work, then)
        if call.finished.wait(self.seconds):
            return call.outcome()
        with call.lock:
            if call.finished.is_set():  # it finished just now
                return call.outcome()
            call.answered_without_it = True
        return late()

    def wait_idle(self, timeout: float) -> bool:
        """Until no work is running, late work and its `then` included (tests; a clean shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._running == 0, timeout)

    def _work(
        self,
        call: _Call[R],
        context: contextvars.Context,
        work: Callable[[], R],
        then: Callable[[R | None], None],
    ) -> None:
        try:
            try:
                call.result = context.run(work)
            except BaseException as error:  # handed to whoever takes the outcome
                call.error = error
            with call.lock:
                call.finished.set()
                late = call.answered_without_it
            if late:
                if call.error is not None:
                    logger.error("late work failed", exc_info=call.error)
                then(call.result)
        except Exception:
            logger.exception("telling the outcome of late work failed")
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()
