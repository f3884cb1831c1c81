"""Waiting for what the emulator records (calls, posts, connections, acks), up to a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    cond: threading.Condition, found: Callable[[], T | None], timeout: float, failure: Callable[[], str]
) -> T:
    """What ``found()`` returns once it is not None, asked under ``cond`` again each time that is notified;
    past ``timeout`` seconds, an AssertionError that says ``failure()`` (also asked under ``cond``)."""
    deadline = time.monotonic() + timeout
    with cond:
        while (result := found()) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(failure())
            cond.wait(remaining)
        return result
