"""A database that holds every write for longer than Slack waits: each request is still answered within
3 seconds ("Saving…"), each write is stored once when the database lets it through, and each person is
told the outcome (a command through its response_url; an event is delivered again by Slack and finds it
done).

The hold is real: on SQLite another process keeps the write lock (BEGIN IMMEDIATE); on PostgreSQL another
connection keeps every table locked against writes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import Engine, select, text

from bot.slack.trouble import SAVING
from bot.store.base import Base
from bot.store.db import SessionFactory, make_engine
from bot.store.models import Topic
from emulator.requests import SlackSender, dm_message_event
from emulator.socket_mode_app import AckResponse, SocketModeSender
from emulator.web_api import SlackEmulator
from tests.reliability_report import record
from tests.slack.helpers import answer_in_thread, reply_text, text_of, written_in_dm
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

ACK_WITHIN = 3.0  # Slack's limit

_HOLD_SQLITE = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@contextmanager
def writes_held_elsewhere(engine: Engine, database_url: str) -> Iterator[None]:
    """Every write to the database waits until the block ends (held by another process or connection)."""
    if engine.dialect.name == "sqlite":
        path = engine.url.database or ""
        holder = subprocess.Popen(
            [sys.executable, "-c", _HOLD_SQLITE, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        try:
            yield
        finally:
            assert holder.stdin is not None
            holder.stdin.write("go\n")
            holder.stdin.flush()
            assert holder.wait(10) == 0
        return
    other = make_engine(database_url)
    with other.connect() as connection:
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()
    other.dispose()


@contextmanager
def answers_only(slack: SlackSender | SocketModeSender) -> Iterator[None]:
    """While the database holds the writes, a send returns with the answer, not once the work is done."""
    settle, slack.settle = slack.settle, None
    try:
        yield
    finally:
        slack.settle = settle


def ack_seconds(response: httpx.Response | AckResponse) -> float:
    return response.ack_seconds if isinstance(response, AckResponse) else response.elapsed.total_seconds()


@pytest.fixture
def two_pairs(slack: SlackSender, emulator: SlackEmulator) -> None:
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command(f"schedule <@{DAVE}> weekly wed 10:00", user_id=CAROL))


@pytest.mark.reliability
def test_commands_held_by_a_locked_database_are_answered_in_time_stored_once_and_confirmed(
    two_pairs: None,
    slack: SlackSender | SocketModeSender,
    sessions: SessionFactory,
    engine: Engine,
    database_url: str,
    emulator: SlackEmulator,
) -> None:
    sent = {
        ALICE: f"add-topic <@{BOB}> Hiring plan",
        BOB: "add-topic Career path",
        CAROL: "add-topic Offsite",
    }
    urls = {user: emulator.new_response_url() for user in sent}
    with (
        writes_held_elsewhere(engine, database_url),
        answers_only(slack),
        ThreadPoolExecutor(len(sent)) as pool,
    ):
        answers = dict(
            zip(
                sent,
                pool.map(lambda user: slack.command(sent[user], user_id=user, response_url=urls[user]), sent),
                strict=True,
            )
        )
        # Each answered within Slack's 3 seconds, while the database still holds the writes.
        for user, answer in answers.items():
            assert answer.status_code == 200 and ack_seconds(answer) < ACK_WITHIN, (user, ack_seconds(answer))
            assert SAVING in reply_text(answer)
            record("a write held by a locked database: acknowledged within 3 s", 1)
        with sessions() as session:
            assert session.scalars(select(Topic)).all() == []
    # Once the database lets them through, each person is told, in place of "Saving…".
    for user, url in urls.items():
        final = emulator.wait_for_response_posts(1, url, timeout=30)[-1].payload
        assert final["replace_original"] is True, (user, final)
        assert "Added to the agenda of your 1:1" in text_of(final), (user, final)
    with sessions() as session:
        assert sorted(session.scalars(select(Topic.text))) == ["Career path", "Hiring plan", "Offsite"]


def test_a_dm_held_by_a_locked_database_is_stored_once_and_slacks_redelivery_finds_it_done(
    two_pairs: None,
    slack: SlackSender | SocketModeSender,
    sessions: SessionFactory,
    engine: Engine,
    database_url: str,
    emulator: SlackEmulator,
) -> None:
    dm, ts = written_in_dm(emulator, BOB, "Feedback on the launch")
    message = dm_message_event(BOB, "Feedback on the launch", channel=dm, ts=ts)
    if isinstance(slack, SocketModeSender):
        slack.timeout = ACK_WITHIN  # the ack that must not come: Slack waits as long, then delivers again
    with writes_held_elsewhere(engine, database_url), answers_only(slack):
        started = time.monotonic()
        first = slack.event(message, event_id="Ev0SLOWDB1")
        assert time.monotonic() - started < ACK_WITHIN + 0.5
        # Not acknowledged as done: Slack will deliver it again.
        assert first.status_code != 200
    confirmation = answer_in_thread(emulator, ts)
    assert "Added to your 1:1" in text_of(confirmation)
    again = slack.event(message, event_id="Ev0SLOWDB1", retry_num=1, retry_reason="http_timeout")
    assert again.status_code == 200
    with sessions() as session:
        assert list(session.scalars(select(Topic.text))) == ["Feedback on the launch"]
