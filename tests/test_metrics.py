"""`/metrics`, scraped over HTTP as Prometheus does: requests by kind and outcome, acknowledgement latency,
deliveries (sends, 429s, permanent failures), tick duration, and what the database holds (the outbox by
status, the clock's last tick) — in this process, and summed over gunicorn's workers in a real `serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from bot.clock import ClockTick
from bot.config import Settings
from bot.domain.outbox import DeliveryStatus
from bot.processes import build_deliverer
from bot.services.tick import run_tick
from bot.store import migrations
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage
from emulator.requests import SlackSender, dm_message_event
from emulator.socket_mode_app import SocketModeSender
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.conftest import SIGNING_SECRET, AppServer, FakeClock
from tests.e2e.test_serve_process import free_port
from tests.faults.test_database_trouble import database_failing
from tests.slack.people import ALICE, BOB, add_people

Samples = dict[str, float]


def scrape(url: str) -> Samples:
    """Every sample /metrics shows, by name and labels: 'oneonone_requests_total{kind="command",…}'."""
    response = httpx.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        sample.name
        + "{"
        + ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        + "}": sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, key: str) -> float:
    return after.get(key, 0.0) - before.get(key, 0.0)


def outbox_by_status(sessions: SessionFactory) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {status.value: count for status, count in rows}


def test_a_command_and_a_tick_with_delivery_move_the_counters_by_what_happened(
    slack: SlackSender | SocketModeSender,
    app_server: AppServer,
    settings: Settings,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """Over HTTP and over Socket Mode alike (the scrape is HTTP: the process's counts are one)."""
    add_people(emulator)
    before = scrape(app_server.url)
    # The app's own delivery meets a 429 (the rest waits for the tick), the tick's a permanent failure.
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)
    emulator.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    assert slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE).status_code == 200
    clock.set(clock() + timedelta(minutes=1))
    deliverer = build_deliverer(settings, sessions, clock, wait=lambda _seconds: True)
    tick = ClockTick(lambda now: run_tick(sessions, now), deliverer, clock)
    tick()
    assert deliverer.wait_idle(10)
    deliverer.stop()
    after = scrape(app_server.url)

    assert moved(before, after, 'oneonone_requests_total{kind="command",outcome="acked"}') == 1
    assert moved(before, after, 'oneonone_ack_seconds_count{kind="command"}') == 1
    assert after['oneonone_ack_seconds_bucket{kind="command",le="2.5"}'] >= 1  # within Slack's 3 s
    depth = outbox_by_status(sessions)
    assert depth == {"sent": 2, "failed": 1}  # the announcement failed for good, the two prompts went
    # Each delivery is counted once, where it happened: 429s, sends and failures as the rows say.
    assert moved(before, after, 'oneonone_deliveries_total{result="rate_limited"}') == 1
    assert moved(before, after, 'oneonone_deliveries_total{result="sent"}') == depth["sent"]
    assert moved(before, after, 'oneonone_deliveries_total{result="failed"}') == depth["failed"]
    assert len(emulator.calls("chat.postMessage")) == 4  # the 429, the failure, the two sent
    # Read from the database at scrape time: the depth and the last tick are the database's.
    for status in DeliveryStatus:
        assert after[f'oneonone_outbox_messages{{status="{status.value}"}}'] == depth.get(status.value, 0)
    assert after["oneonone_clock_last_tick_timestamp_seconds{}"] == clock().timestamp()
    assert moved(before, after, "oneonone_tick_seconds_count{}") == 1
    assert after["oneonone_database_up{}"] == 1


@pytest.mark.http_only
def test_forged_retried_and_repeated_requests_are_counted_by_outcome(
    slack: SlackSender, app_server: AppServer, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    before = scrape(app_server.url)
    assert slack.command("help", user_id=ALICE, secret="wrong").status_code == 401
    dm = emulator.open_dm(BOB)
    message = dm_message_event(BOB, "a topic", channel=dm, ts=emulator.add_message(dm, BOB, "a topic")["ts"])
    assert slack.event(message, event_id="Ev0METRICS1").status_code == 200
    again = slack.event(message, event_id="Ev0METRICS1", retry_num=1, retry_reason="http_timeout")
    assert again.status_code == 200
    after = scrape(app_server.url)
    assert moved(before, after, 'oneonone_requests_total{kind="command",outcome="refused"}') == 1
    assert moved(before, after, 'oneonone_requests_total{kind="event:message",outcome="acked"}') == 1
    assert moved(before, after, 'oneonone_requests_total{kind="event:message",outcome="duplicate"}') == 1


@pytest.mark.http_only
def test_metrics_answer_without_the_database_and_say_so(
    slack: SlackSender, app_server: AppServer, engine: Engine
) -> None:
    with database_failing(engine):
        samples = scrape(app_server.url)
    assert samples["oneonone_database_up{}"] == 0
    assert not any(key.startswith("oneonone_outbox_messages") for key in samples)


# ------------------------------------------------------------------ gunicorn's workers, summed


@dataclass
class Served:
    url: str
    metrics_dirs: Path  # the process's TMPDIR, where its multiprocess directory is made
    log: list[str]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, _emulator: SlackEmulator) -> Iterator[Served]:
    """`python -m bot serve` with two workers, JSON logs, and a TMPDIR of its own."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('metrics') / 'bot.db'}"
    migrations.upgrade(database_url)
    temp = tmp_path_factory.mktemp("tmp")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": _emulator.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "TMPDIR": str(temp),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], env=env, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Listening at:" in line:
                listening.set()
        listening.set()

    threading.Thread(target=read_log, daemon=True).start()
    assert listening.wait(60) and process.poll() is None, "".join(log)
    yield Served(f"http://127.0.0.1:{port}", temp, log)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, "".join(log)
    assert list(temp.glob("oneonone-metrics-*")) == []  # the counts of one run never leak into the next


@pytest.mark.e2e
def test_every_scrape_sums_both_workers_counts(served: Served, emulator: SlackEmulator) -> None:
    add_people(emulator)

    def help_command(_: int) -> int:
        with SlackSender(served.url, SIGNING_SECRET) as sender:
            return int(sender.command("help", user_id=ALICE).status_code)

    # Which worker takes a request is the kernel's choice: send until both have answered some (each counts
    # in a file of its own), then every scrape, whichever worker answers it, must hold them all.
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(40):
            assert list(pool.map(help_command, range(24))) == [200] * 24
            sent += 24
            (directory,) = served.metrics_dirs.glob("oneonone-metrics-*")
            if len(list(directory.glob("counter_*.db"))) == 2:
                break
    assert len(list(directory.glob("counter_*.db"))) == 2, "one worker answered every request"
    key = 'oneonone_requests_total{kind="command",outcome="acked"}'
    assert [scrape(served.url).get(key) for _ in range(6)] == [float(sent)] * 6  # whichever worker answers


@pytest.mark.e2e
def test_a_served_process_logs_json_lines_only(served: Served) -> None:
    """gunicorn's own lines too: every line of LOG_FORMAT=json's log is one JSON object."""
    assert httpx.get(f"{served.url}/healthz", timeout=30).status_code == 200
    lines = [json.loads(line) for line in list(served.log)]
    assert any(line["logger"] == "gunicorn.error" and "Listening at:" in line["message"] for line in lines)
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
