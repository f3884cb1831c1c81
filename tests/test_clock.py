from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import TICK_SECONDS, schedule_ticks


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
