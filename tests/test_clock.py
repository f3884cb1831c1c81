import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import TICK_SECONDS, ClockTick, schedule_ticks
from bot.config import Settings
from bot.delivery.report import DeliveryReport
from bot.processes import _ticker
from bot.services import series
from bot.services.pairs import Actor
from bot.services.tick import TickReport
from bot.store.db import SessionFactory, make_engine
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock

ALICE, BOB = "UALICE01", "UBOB0001"


def test_one_coalesced_single_instance_interval_job() -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    ran: list[int] = []
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    schedule_ticks(scheduler, lambda: ran.append(1), lambda: now)
    jobs = scheduler.get_jobs()
    assert len(jobs) == 1
    job = jobs[0]
    assert job.coalesce is True and job.max_instances == 1
    assert job.trigger.interval.total_seconds() == TICK_SECONDS
    assert job.next_run_time == now
    job.func()
    assert ran == [1]


def test_a_failing_tick_is_logged_and_the_clock_carries_on(caplog) -> None:  # type: ignore[no-untyped-def]
    scheduler = BackgroundScheduler(timezone="UTC")

    def broken() -> None:
        raise RuntimeError("database went away")

    schedule_ticks(scheduler, broken, lambda: datetime(2026, 12, 1, tzinfo=UTC))
    scheduler.get_jobs()[0].func()  # must not raise
    assert "tick failed" in caplog.text and "database went away" in caplog.text


def test_a_tick_that_failed_for_a_full_disk_is_one_line_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'full.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ballast (data BLOB)")
        # SQLite's own cap on the file answers as a full disk does: SQLITE_FULL, "database or disk is full".
        connection.exec_driver_sql("PRAGMA max_page_count = 4")

    def full() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO ballast VALUES (randomblob(100000))")

    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_ticks(scheduler, full, lambda: datetime(2026, 12, 1, tzinfo=UTC))
    try:
        scheduler.get_jobs()[0].func()  # must not raise
    finally:
        engine.dispose()
    assert [(r.levelno, r.getMessage(), r.exc_info) for r in caplog.records if r.name == "bot.clock"] == [
        (logging.ERROR, "tick failed: the database's disk is full; the next tick tries again", None)
    ]


# ------------------------------------------------------------------ the tick's one log line


def _tick_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.clock"]


class StubDeliverer:
    """Stands in for BackgroundDeliverer: a kick runs one pass at once with the report it is given."""

    def __init__(self, *reports: DeliveryReport) -> None:
        self.reports = list(reports)
        self.on_pass: Callable[[DeliveryReport], None] | None = None
        self.held = False  # a pass under way: kicks wait for it
        self.kicks = 0

    def kick(self) -> None:
        self.kicks += 1
        if not self.held and self.on_pass is not None:
            self.on_pass(self.reports.pop(0))


def test_a_tick_logs_one_line_with_what_it_queued_and_what_its_delivery_did(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    delivered = DeliveryReport(sent=5, failed=1, deferred=1, resume_at=now + timedelta(minutes=5))
    deliverer = StubDeliverer(delivered)
    tick = ClockTick(lambda at: TickReport(at, 3, 7), deliverer, lambda: now)  # type: ignore[arg-type]
    assert tick().messages_queued == 7
    assert _tick_lines(caplog) == [
        (
            logging.INFO,
            "tick 2026-12-01T09:00:00Z: 3 meetings materialised, 7 messages queued; delivery: 5 sent, "
            "0 to retry, 1 failed, 0 dropped, 1 held back by rate limits; the rest waits for the next tick",
        )
    ]


def test_ticks_during_a_long_delivery_are_counted_in_the_next_passs_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    at = iter([datetime(2026, 12, 1, 9, minute, tzinfo=UTC) for minute in range(3)])
    deliverer = StubDeliverer(DeliveryReport(sent=2), DeliveryReport(sent=4))
    tick = ClockTick(lambda now: TickReport(now, 0, 2), deliverer, lambda: next(at))  # type: ignore[arg-type]
    tick()
    deliverer.held = True  # Slack's Retry-After, waited out on the delivery thread
    tick()
    tick()
    deliverer.held = False
    deliverer.kick()  # the pass that the kicks during the long one asked for
    assert deliverer.kicks == 4
    assert _tick_lines(caplog) == [
        (
            logging.INFO,
            "tick 2026-12-01T09:00:00Z: 0 meetings materialised, 2 messages queued; "
            "delivery: 2 sent, 0 to retry, 0 failed, 0 dropped, 0 held back by rate limits",
        ),
        (
            logging.INFO,
            "tick 2026-12-01T09:02:00Z: 0 meetings materialised, 4 messages queued; "
            "delivery: 4 sent, 0 to retry, 0 failed, 0 dropped, 0 held back by rate limits",
        ),
    ]


def test_the_clock_process_tick_queues_delivers_and_says_so(
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for user_id in (ALICE, BOB):
        emulator.add_user(user_id, name=user_id.lower(), tz="Europe/Berlin")
    request = series.ScheduleRequest(BOB, "weekly", 1, time(10))  # Tuesday 10:00, the day of START
    series.schedule(sessions, clock(), Actor("T0001", ALICE), request, "Europe/Berlin")  # queues its notice
    emulator.fail_next("chat.postMessage", status=200, error="invalid_blocks")  # the oldest fails for good
    tick = _ticker(settings, sessions, clock)
    passed, log_line = threading.Event(), tick.deliverer.on_pass
    assert log_line is not None
    tick.deliverer.on_pass = lambda delivery: (log_line(delivery), passed.set())
    report = tick()
    assert passed.wait(10)
    tick.deliverer.stop()
    assert report.messages_queued == 2  # a prompt to each: the meeting is within the lead
    assert _tick_lines(caplog) == [
        (
            logging.INFO,
            "tick 2026-12-01T09:00:00Z: 0 meetings materialised, 2 messages queued; delivery: 2 sent, "
            "0 to retry, 1 failed, 0 dropped, 0 held back by rate limits",
        )
    ]
