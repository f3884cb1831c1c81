"""Real `python -m bot tick` processes: two at once, and one killed mid-batch then restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.outbox import DeliveryStatus
from bot.services import series
from bot.services.pairs import Actor
from bot.store import migrations
from bot.store.db import make_engine, make_session_factory
from bot.store.models import OutboxMessage
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.databases import throwaway_postgres_database
from tests.reliability_report import record

pytestmark = [pytest.mark.e2e, pytest.mark.reliability]

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
MANAGER = "UMGR0001"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A database of its own (the processes share it): SQLite, or a fresh one on the suite's PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        database_url = f"sqlite:///{tmp_path / 'ticks.db'}"
        migrations.upgrade(database_url)
        yield database_url
        return
    with throwaway_postgres_database(url, "ticks") as database_url:
        migrations.upgrade(database_url)
        yield database_url


def seed(database_url: str, emulator: SlackEmulator, pairs: int) -> int:
    """`pairs` weekly 1:1s of one manager, all due for prompts at NOW; returns the messages due."""
    emulator.reset()
    emulator.add_user(MANAGER, tz="America/New_York")
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        for index in range(pairs):
            report = f"UREP{index:04d}"
            emulator.add_user(report, tz="Europe/Berlin")
            request = series.ScheduleRequest(report, "weekly", 1, time(10))
            series.schedule(sessions, NOW, Actor("T0001", MANAGER), request, "America/New_York")
    finally:
        engine.dispose()
    return pairs * 3  # an announcement to each report, then a prompt to each of the two


def tick_process(database_url: str, emulator: SlackEmulator, at: datetime) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": emulator.url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--at", at.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def deliveries(emulator: SlackEmulator) -> Counter[tuple[str, str]]:
    """How often each distinct message reached Slack (by conversation and text)."""
    return Counter(
        (c.response["channel"], c.args["text"]) for c in emulator.calls("chat.postMessage") if c.ok
    )


def outbox_statuses(database_url: str) -> Counter[str]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return Counter(str(status) for status in session.scalars(select(OutboxMessage.status)))
    finally:
        engine.dispose()


def test_two_ticks_at_once_send_every_message_exactly_once(database: str, _emulator: SlackEmulator) -> None:
    due = seed(database, _emulator, pairs=40)
    first, second = tick_process(database, _emulator, NOW), tick_process(database, _emulator, NOW)
    for process in (first, second):
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    sent = deliveries(_emulator)
    duplicated = sum(count - 1 for count in sent.values())
    record("two concurrent ticks: messages due", due)
    record("two concurrent ticks: messages lost", due - len(sent))
    record("two concurrent ticks: messages duplicated", duplicated)
    assert len(sent) == due and duplicated == 0
    assert outbox_statuses(database) == Counter({DeliveryStatus.SENT: due})


def test_a_tick_killed_mid_batch_then_restarted_delivers_everything(
    database: str, _emulator: SlackEmulator
) -> None:
    due = seed(database, _emulator, pairs=30)
    holding = _emulator.hold_after("chat.postMessage", 25)
    process = tick_process(database, _emulator, NOW)
    assert holding.wait(60), "the tick never reached the 26th message"
    process.send_signal(signal.SIGKILL)  # mid-batch, with one message in flight
    process.wait(30)
    _emulator.release_held()
    before_restart = deliveries(_emulator)
    # Restarted after the dead process's claims (two minutes) have lapsed.
    again = tick_process(database, _emulator, NOW + timedelta(minutes=3))
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    sent = deliveries(_emulator)
    duplicated = sum(count - 1 for count in sent.values())
    record("kill -9 mid-batch: messages delivered before the kill", sum(before_restart.values()))
    record("kill -9 mid-batch: messages lost", due - len(sent))
    record("kill -9 mid-batch: messages duplicated (in flight at the kill)", duplicated)
    assert len(sent) == due  # nothing lost
    assert duplicated <= 1  # at most the one message in flight when the process died
    assert outbox_statuses(database) == Counter({DeliveryStatus.SENT: due})
