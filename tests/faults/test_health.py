"""`/healthz` tells the truth within a second or two: a database that refuses writes or doesn't answer
is 503 with the reason, and the clock's last tick is reported (late, and 503, after five minutes without
one)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.health import WITHIN
from bot.services.tick import run_tick
from bot.store.db import SessionFactory
from emulator.requests import SlackSender
from tests.conftest import FakeClock
from tests.faults.test_database_trouble import database_failing
from tests.faults.test_slow_database import writes_held_elsewhere
from tests.reliability_report import record

pytestmark = pytest.mark.http_only  # /healthz is served over HTTP only


def healthz(slack: SlackSender) -> tuple[int, dict[str, object], float]:
    started = time.monotonic()
    response = slack.client.get(f"{slack.base_url}/healthz")
    return response.status_code, response.json(), time.monotonic() - started


def test_the_clocks_last_tick_is_reported_and_a_late_one_says_so(
    slack: SlackSender, sessions: SessionFactory, clock: FakeClock
) -> None:
    status, body, _ = healthz(slack)
    assert (status, body["clock"], body["last_tick"]) == (200, "never ticked", None)
    run_tick(sessions, clock())
    status, body, _ = healthz(slack)
    assert (status, body["clock"], body["last_tick"]) == (200, "ok", clock().isoformat())
    clock.set(clock() + timedelta(minutes=6))
    status, body, _ = healthz(slack)
    # Nothing is prompted or delivered while the clock is silent: a monitor must hear of it.
    assert (status, body["ok"], body["clock"], body["clock_age_seconds"]) == (503, False, "late", 360)


@pytest.mark.reliability
def test_a_database_that_refuses_writes_is_unhealthy_with_the_drivers_reason(
    slack: SlackSender, engine: Engine
) -> None:
    with database_failing(engine, writes_only=True):
        status, body, seconds = healthz(slack)
    assert status == 503 and body["ok"] is False
    assert body["database"] == "injected: the database is unavailable"
    assert seconds < WITHIN + 0.5
    assert healthz(slack)[0] == 200  # and healthy again as soon as writes work
    record("/healthz: a database refusing writes or not answering reported as 503 within 1.5 s", 1)


@pytest.mark.reliability
def test_a_database_that_does_not_answer_is_unhealthy_within_the_limit(
    slack: SlackSender, engine: Engine, database_url: str
) -> None:
    with writes_held_elsewhere(engine, database_url):
        status, body, seconds = healthz(slack)
    assert status == 503 and body["database"] == f"no answer within {WITHIN:.1f} s"
    assert seconds < WITHIN + 0.5
    record("/healthz: a database refusing writes or not answering reported as 503 within 1.5 s", 1)
