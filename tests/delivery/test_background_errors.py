"""The background deliverer's own failures: logged, and the thread goes on; a full disk in one line."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest

from bot.delivery.background import BackgroundDeliverer
from tests.conftest import START


class FullDisk:
    """A session factory on a disk with no room left: every transaction fails as SQLite fails then."""

    def begin(self) -> Any:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        raise error

    __call__ = begin


def test_a_full_disk_is_one_line_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    deliverer = BackgroundDeliverer(FullDisk(), None, lambda *_: None, lambda: START)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.delivery.background"):
        deliverer.kick()
        assert deliverer.wait_idle(10)
        deliverer.kick()  # the thread survived it
        assert deliverer.wait_idle(10)
    deliverer.stop()
    lines = [r for r in caplog.records if r.name == "bot.delivery.background"]
    assert [r.getMessage() for r in lines] == [
        "background outbox delivery failed: the database's disk is full"
    ] * 2
    assert all(r.exc_info is None for r in lines)
