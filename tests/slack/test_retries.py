"""Slack delivers at least once: a retried event, command or click has one effect."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, func, select, text

from bot.slack.dedup import request_key
from bot.store import requests, sqlite_writers
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import Topic
from bot.store.requests import Claim
from emulator.requests import SlackSender, dm_message_event
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.reliability_report import record
from tests.slack.helpers import reply_text, written_in_dm
from tests.slack.people import ALICE, BOB, add_people


def topic_count(sessions: SessionFactory) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Topic)) or 0


@pytest.fixture
def alice_meets_bob(slack: SlackSender, emulator: SlackEmulator) -> None:
    """Alice has set up a weekly 1:1 with Bob."""
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))


@pytest.mark.reliability
def test_a_retried_event_is_handled_once(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.dedup")
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    dm, ts = written_in_dm(emulator, BOB, "Team offsite")
    event = dm_message_event(BOB, "Team offsite", channel=dm, ts=ts)
    for retry in (None, 1, 2):
        assert (
            slack.event(
                event, event_id="Ev0RETRY01", retry_num=retry, retry_reason="http_timeout"
            ).status_code
            == 200
        )
    assert topic_count(sessions) == 1
    confirmations = [c for c in emulator.calls("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(confirmations) == 1
    # The retries were recognised before any handler ran (DM topics are also idempotent on their own).
    assert caplog.text.count("already handled event:Ev0RETRY01") == 2
    record("Slack retries recognised and not handled twice", 2)


@pytest.mark.reliability
def test_a_redelivered_command_is_handled_once(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    first = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.222.aaa")
    again = slack.command(
        f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.222.aaa", retry_num=1
    )
    assert first.status_code == again.status_code == 200
    assert topic_count(sessions) == 1
    record("Slack retries recognised and not handled twice", 1)
    # A new invocation (a new trigger) is a new topic, even with the same words.
    slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.333.bbb")
    assert topic_count(sessions) == 2


@pytest.mark.http_only
def test_a_request_that_failed_is_not_remembered(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    forged = slack.command(f"add-topic <@{BOB}> Retry me", user_id=ALICE, trigger_id="9.9.zz", secret="wrong")
    assert forged.status_code == 401
    assert (
        slack.command(f"add-topic <@{BOB}> Retry me", user_id=ALICE, trigger_id="9.9.zz").status_code == 200
    )
    assert topic_count(sessions) == 1


@contextmanager
def writes_held(
    engine: Engine, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch, writers: int
) -> Iterator[threading.Event]:
    """Hold every write to the database (as a slow disk or a long transaction would) until `writers`
    writing transactions have started; yields the event set at that moment, then lets them all go on.

    SQLite: the test holds the writers' turn, and a writer waits for it at its BEGIN. PostgreSQL: the
    test locks every table against writes, and a writer waits at its first change.
    """
    started = 0
    all_started = threading.Event()
    lock = threading.Lock()

    def one_more() -> None:
        nonlocal started
        with lock:
            started += 1
            if started >= writers:
                all_started.set()

    with sessions.begin() as holder:
        if engine.dialect.name == "sqlite":
            holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE, after taking the writers' turn
            take = sqlite_writers.take

            def counted_take(connection: Any) -> None:
                one_more()
                take(connection)

            monkeypatch.setattr(sqlite_writers, "take", counted_take)
        else:
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            holder.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))

            def counted_write(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
                if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                    one_more()

            event.listen(engine, "before_cursor_execute", counted_write)
        try:
            yield all_started
            assert all_started.wait(10), f"only {started} of {writers} writers started"
        finally:
            monkeypatch.undo()
            if engine.dialect.name != "sqlite":
                event.remove(engine, "before_cursor_execute", counted_write)


@pytest.mark.http_only
def test_a_retry_arriving_while_the_first_delivery_is_still_running_is_not_handled_twice(
    alice_meets_bob: None,
    slack: SlackSender,
    sessions: SessionFactory,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def deliver(retry: int | None) -> httpx.Response:
        command = f"add-topic <@{BOB}> Hiring plan"
        options = {"retry_num": retry, "retry_reason": "http_timeout"} if retry else {}
        return slack.command(command, user_id=ALICE, trigger_id="555.666.slowdb", **options)

    with ThreadPoolExecutor(2) as pool, writes_held(engine, sessions, monkeypatch, writers=2) as both_started:
        # The database is slow: the first delivery is still running when Slack's retry arrives.
        first = pool.submit(deliver, None)
        retry = pool.submit(deliver, 1)
        both_started.wait(10)
    # The first delivery is claimed with its writes (at its commit), Slack's retry ahead (as events are).
    # Whichever stored the topic answered "Added"; the other stored nothing and was answered as a retry:
    # an empty 200 (it found the request done) or a 409 (it found the other still running: Slack tries
    # again later).
    answers = sorted([first.result(), retry.result()], key=lambda answer: bool(answer.content))
    assert answers[1].status_code == 200 and "Added" in reply_text(answers[1])
    assert (answers[0].status_code, answers[0].content) in ((200, b""), (409, b""))
    assert topic_count(sessions) == 1
    # Slack's next retry finds it done.
    again = deliver(2)
    assert again.status_code == 200 and not again.content
    assert topic_count(sessions) == 1
    record("Slack retries recognised and not handled twice", 1)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"type": "event_callback", "event_id": "Ev01", "trigger_id": "1.2.x"}, "event:Ev01"),
        ({"type": "event_callback", "event_id": "E" * 200}, "event:" + "E" * 114),  # the column's width
        ({"command": "/1on1", "trigger_id": "1.2.x"}, "trigger:1.2.x"),
        ({"type": "block_actions", "trigger_id": "T" * 200}, "trigger:" + "T" * 112),
        ({"type": "event_callback", "trigger_id": "1.2.x"}, "trigger:1.2.x"),  # no event_id: not an event's
        ({"type": "event_callback"}, None),
        ({"type": "block_actions"}, None),  # nothing Slack keeps across retries: not deduplicated
    ],
)
def test_a_request_is_known_by_what_slack_keeps_across_its_retries(
    body: dict[str, Any], key: str | None
) -> None:
    assert request_key(body) == key


@pytest.mark.http_only
def test_a_forged_replay_of_a_handled_request_is_refused_not_answered_as_handled(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    assert slack.command(f"add-topic <@{BOB}> Hiring", user_id=ALICE, trigger_id="7.7.aa").status_code == 200
    # Only a request Slack signed may look up (or claim) a key: the forger learns nothing from it.
    forged = slack.command(f"add-topic <@{BOB}> Hiring", user_id=ALICE, trigger_id="7.7.aa", secret="wrong")
    assert forged.status_code == 401
    assert topic_count(sessions) == 1


def test_a_redelivered_command_that_stored_nothing_is_answered_again_then_once(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    """A command's first delivery is claimed with its writes: one that only reads (help, agenda) leaves no
    record, so Slack's redelivery of it is answered again (the person sees the answer they may have
    missed; repeating a read changes nothing). That redelivery is claimed ahead, so a further one is not."""
    add_people(emulator)
    first = slack.command("help", user_id=ALICE, trigger_id="8.8.help")
    again = slack.command(
        "help", user_id=ALICE, trigger_id="8.8.help", retry_num=1, retry_reason="http_timeout"
    )
    assert first.status_code == again.status_code == 200
    assert "/1on1" in reply_text(first) and reply_text(again) == reply_text(first)
    third = slack.command(
        "help", user_id=ALICE, trigger_id="8.8.help", retry_num=2, retry_reason="http_timeout"
    )
    assert third.status_code == 200 and not third.content


@pytest.mark.http_only
def test_a_retry_while_the_first_delivery_runs_is_turned_away_then_answered_once_it_is_done(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory, clock: FakeClock
) -> None:
    key = "trigger:9.9.busy"
    # The first delivery claimed it ahead (as events are claimed, or an older version did) and still runs.
    with sessions.begin() as session:
        assert requests.claim(session, key, clock()) is Claim.MINE
    retry = slack.command(f"add-topic <@{BOB}> Hiring", user_id=ALICE, trigger_id="9.9.busy", retry_num=1)
    assert (retry.status_code, retry.content) == (409, b"")  # Slack tries again later
    assert topic_count(sessions) == 0
    with sessions.begin() as session:  # the first delivery finished
        requests.finish(session, key)
    again = slack.command(f"add-topic <@{BOB}> Hiring", user_id=ALICE, trigger_id="9.9.busy", retry_num=2)
    assert (again.status_code, again.content) == (200, b"")
    assert topic_count(sessions) == 0  # done by the first delivery, which this test only pretended to be
