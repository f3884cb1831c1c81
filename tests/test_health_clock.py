"""`/healthz` fails when the clock has been silent for five minutes (since its last tick, or since the
process started when it never ticked), says how long ago it ticked; and the processes that serve Slack
over Socket Mode, or only run the clock, answer `/healthz` and `/metrics` on PORT too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bot.health import CLOCK_LATE_AFTER
from bot.services.tick import run_tick
from bot.store import migrations
from bot.store.db import SessionFactory
from emulator.socket_mode_app import SocketModeSender
from emulator.web_api import APP_TOKEN, BOT_TOKEN, SlackEmulator
from tests.conftest import AppServer, FakeClock, reset_around, serving
from tests.e2e.test_serve_process import free_port
from tests.slack.people import ALICE
from tests.test_metrics import scrape
from tests.test_socket_mode import reply, wait_until_connected

JUST_LATE = CLOCK_LATE_AFTER + timedelta(seconds=1)


def healthz(url: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{url}/healthz", timeout=30)
    return response.status_code, response.json()


@pytest.fixture
def fresh(app_server: AppServer, engine: Engine, sessions: SessionFactory, clock: FakeClock) -> Iterator[str]:
    """The app served by a process that starts now (at START): its five minutes of grace start too."""
    with serving(app_server.app, engine, clock) as url:
        yield url


def test_a_clock_silent_for_five_minutes_fails_the_health_check_with_its_age(
    fresh: str, sessions: SessionFactory, clock: FakeClock
) -> None:
    run_tick(sessions, clock())
    assert healthz(fresh) == (
        200,
        {
            "ok": True,
            "database": "ok",
            "clock": "ok",
            "last_tick": clock().isoformat(),
            "clock_age_seconds": 0,
        },
    )
    ticked = clock()
    clock.set(ticked + CLOCK_LATE_AFTER)
    assert healthz(fresh)[0] == 200  # five minutes: still in time
    clock.set(ticked + JUST_LATE)
    status, body = healthz(fresh)
    assert (status, body["ok"], body["clock"], body["clock_age_seconds"]) == (503, False, "late", 301)
    run_tick(sessions, clock())  # the clock is back
    assert healthz(fresh)[0] == 200


def test_a_clock_that_never_ticked_is_allowed_five_minutes_from_the_start(
    fresh: str, clock: FakeClock
) -> None:
    started = clock()
    clock.set(started + CLOCK_LATE_AFTER)
    status, body = healthz(fresh)
    assert (status, body["ok"], body["clock"], body["clock_age_seconds"]) == (200, True, "never ticked", None)
    clock.set(started + JUST_LATE)
    status, body = healthz(fresh)
    assert (status, body["ok"], body["clock"], body["clock_age_seconds"]) == (
        503,
        False,
        "never ticked",
        None,
    )


# ------------------------------------------------------------------ processes without gunicorn


@pytest.fixture
def emu(own_emulator: SlackEmulator) -> Iterator[SlackEmulator]:
    yield from reset_around(own_emulator)


def start(
    command: str, tmp_path: Path, emu: SlackEmulator, **extra: str
) -> tuple[subprocess.Popen[str], str]:
    """`python -m bot <command>` on a migrated database of its own; its base URL on a free PORT."""
    database_url = f"sqlite:///{tmp_path / 'bot.db'}"
    migrations.upgrade(database_url)
    port = free_port()
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT", "HOST"))
    }
    env = {
        **clean,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": emu.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        **extra,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", command],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def eventually(check: Callable[[], bool], process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Until `check()` holds for a real process that is starting (its stderr if it exits first)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except httpx.TransportError:
            pass  # not listening yet
        if process.poll() is not None:
            raise AssertionError(f"the bot exited ({process.returncode}): {process.communicate()[1]}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    return process.communicate(timeout=30)[1]


@pytest.mark.e2e
def test_run_over_socket_mode_answers_healthz_and_metrics_on_port(tmp_path: Path, emu: SlackEmulator) -> None:
    process, url = start("run", tmp_path, emu, SLACK_APP_TOKEN=APP_TOKEN)
    try:
        wait_until_connected(emu, process)
        eventually(lambda: healthz(url)[1]["clock"] == "ok", process)  # its own clock ticked at start
        status, body = healthz(url)
        assert (status, body["ok"], body["database"]) == (200, True, "ok")
        assert 0 <= body["clock_age_seconds"] < 60
        before = scrape(url)
        assert "/1on1 add-topic" in reply(SocketModeSender(emu.socket_mode).command("help", user_id=ALICE))
        after = scrape(url)
        key = 'oneonone_requests_total{kind="command",outcome="acked"}'
        assert after[key] - before.get(key, 0) == 1
        assert after["oneonone_tick_seconds_count{}"] >= 1
        assert "oneonone_clock_last_tick_timestamp_seconds{}" in after
        assert httpx.get(f"{url}/slack/events", timeout=30).status_code == 404  # Slack doesn't come this way
    finally:
        log = stop(process)
    assert "Traceback" not in log, log


@pytest.mark.e2e
def test_the_clock_process_answers_healthz_and_metrics_on_port(tmp_path: Path, emu: SlackEmulator) -> None:
    process, url = start("clock", tmp_path, emu)
    try:
        eventually(lambda: scrape(url).get("oneonone_tick_seconds_count{}", 0) >= 1, process)
        status, body = healthz(url)
        assert (status, body["clock"]) == (200, "ok")
    finally:
        log = stop(process)
    assert "Traceback" not in log, log
