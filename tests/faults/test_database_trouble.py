"""When the database fails under a request: the bot's own short answer, never a bare 500, nothing half
stored, and Slack's redelivery (or the person's second try) goes through once the database is back.

The failure is the database driver's own error, raised for every statement ("down") or for every change
("refuses writes", as a full disk or a read-only file does), on whichever database the suite runs on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bot.slack.trouble import NOT_SAVED
from bot.store.db import SessionFactory
from bot.store.models import Topic
from emulator.requests import SlackSender, dm_message_event
from emulator.socket_mode_app import SocketModeSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.read_back import Rows
from tests.reliability_report import record
from tests.slack.helpers import (
    NEW_TOPIC,
    answer_in_thread,
    buttons,
    opened_form,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
    wait_for_post,
    written_in_dm,
)
from tests.slack.people import ALICE, BOB, add_people

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def database_failing(engine: Engine, *, writes_only: bool = False) -> Iterator[None]:
    """Every statement (or every change) fails with the driver's own OperationalError, as a stopped
    server, a full disk or a read-only file makes it fail."""
    error = engine.dialect.loaded_dbapi.OperationalError

    def fail(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not writes_only or statement.lstrip().upper().startswith(WRITES):
            raise error("injected: the database is unavailable")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@pytest.fixture
def alice_meets_bob(slack: SlackSender, emulator: SlackEmulator) -> None:
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))


def topics(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Topic.text).order_by(Topic.id)))


def unchanged(sessions: SessionFactory, before: Rows) -> bool:
    return snapshot(sessions) == before


@pytest.mark.reliability
@pytest.mark.parametrize("writes_only", [False, True], ids=["down", "refuses-writes"])
def test_a_command_gets_the_bots_own_answer_and_nothing_is_stored(
    alice_meets_bob: None,
    slack: SlackSender,
    sessions: SessionFactory,
    engine: Engine,
    emulator: SlackEmulator,
    writes_only: bool,
) -> None:
    before = snapshot(sessions)
    url = emulator.new_response_url()
    with database_failing(engine, writes_only=writes_only):
        response = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, response_url=url)
    assert response.status_code == 200
    assert NOT_SAVED in reply_text(response)
    assert emulator.response_posts(url) == []  # said once, in the answer: not again through the response_url
    assert unchanged(sessions, before)
    # Back again: the person's second try is stored, once.
    assert "Added" in reply_text(slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE))
    assert topics(sessions) == ["Hiring plan"]
    record(
        "database down or refusing writes: requests answered in the bot's own words, nothing half stored", 1
    )


@pytest.mark.reliability
@pytest.mark.parametrize("writes_only", [False, True], ids=["down", "refuses-writes"])
def test_a_dm_is_answered_so_that_slack_delivers_it_again_and_its_topic_is_stored_once(
    alice_meets_bob: None,
    slack: SlackSender,
    sessions: SessionFactory,
    engine: Engine,
    emulator: SlackEmulator,
    writes_only: bool,
) -> None:
    dm, ts = written_in_dm(emulator, BOB, "Feedback on the launch")
    message = dm_message_event(BOB, "Feedback on the launch", channel=dm, ts=ts)
    if isinstance(slack, SocketModeSender):
        slack.timeout = 1.0  # the ack that must not come: wait a second for it, not ten
    with database_failing(engine, writes_only=writes_only):
        refused = slack.event(message, event_id="Ev0DOWN001")
    # Not a 2xx (over Socket Mode: no ack), so Slack delivers the event again later.
    assert refused.status_code != 200
    assert topics(sessions) == []
    again = slack.event(message, event_id="Ev0DOWN001", retry_num=1, retry_reason="http_error")
    assert again.status_code == 200
    assert topics(sessions) == ["Feedback on the launch"]
    assert "Added to your 1:1" in text_of(answer_in_thread(emulator, ts))
    record(
        "database down or refusing writes: requests answered in the bot's own words, nothing half stored", 1
    )


@pytest.mark.reliability
def test_a_form_stays_open_with_the_reason_and_a_second_save_stores_it_once(
    alice_meets_bob: None,
    slack: SlackSender,
    sessions: SessionFactory,
    engine: Engine,
    emulator: SlackEmulator,
    settings: Any,
    clock: FakeClock,
) -> None:
    tick(sessions, settings, clock())
    prompt = wait_for_post(emulator, BOB, "add your topics")
    button = buttons(prompt)["agenda_add_topic"]
    dm = emulator.dm_channel_for(BOB)
    stored = [m for m in emulator.messages(dm or "") if "Your 1:1" in m["text"]][-1]
    form = opened_form(emulator, lambda: slack.action(BOB, [button], channel_id=dm, message=stored))
    form.fill(NEW_TOPIC, "Promotion timeline")
    with database_failing(engine, writes_only=True):
        refused = submit_form(slack, BOB, form)
    assert refused.status_code == 200
    body = refused.json()
    # The modal stays open, with what Bob typed, and the reason under the field.
    assert body["response_action"] == "errors" and body["errors"] == {"topic": NOT_SAVED}
    assert topics(sessions) == []
    assert submit_form(slack, BOB, form).status_code == 200
    assert topics(sessions) == ["Promotion timeline"]
    record(
        "database down or refusing writes: requests answered in the bot's own words, nothing half stored", 1
    )


@pytest.mark.reliability
def test_a_click_is_answered_through_its_response_url(
    alice_meets_bob: None,
    slack: SlackSender,
    sessions: SessionFactory,
    engine: Engine,
    emulator: SlackEmulator,
) -> None:
    reply_text(slack.command(f"add-action <@{BOB}> Share the plan", user_id=ALICE))
    listing = slack.command(f"actions <@{BOB}>", user_id=ALICE).json()
    done = next(
        block["accessory"]
        for block in listing["blocks"]
        if (block.get("accessory") or {}).get("action_id") == "action_done"
    )
    before = snapshot(sessions)
    url = emulator.new_response_url()
    with database_failing(engine, writes_only=True):
        response = slack.action(
            ALICE,
            [done],
            channel_id=emulator.open_dm(ALICE),
            message={"ts": "1.2", "blocks": []},
            response_url=url,
        )
    assert response.status_code == 200
    posts = emulator.wait_for_response_posts(1, url)
    assert NOT_SAVED in posts[0].payload["text"] and posts[0].payload["response_type"] == "ephemeral"
    assert posts[0].payload["replace_original"] is False  # the clicked message stays as it was
    assert unchanged(sessions, before)
    record(
        "database down or refusing writes: requests answered in the bot's own words, nothing half stored", 1
    )


@pytest.mark.reliability
def test_a_request_is_marked_handled_in_the_same_transaction_as_what_it_stored(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory, engine: Engine
) -> None:
    """The Slack-retry record and the topic commit together: when marking the request handled fails (the
    last write of the transaction), the topic is not stored either, and the answer says so. Never "stored
    but answered with an error", never "answered Added but redelivered and stored twice"."""
    error = engine.dialect.loaded_dbapi.OperationalError

    def fail_the_mark(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE SLACK_REQUEST", "INSERT INTO SLACK_REQUEST")):
            raise error("injected: the disk filled up at the end of the transaction")

    before = snapshot(sessions)
    event.listen(engine, "before_cursor_execute", fail_the_mark)
    try:
        response = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE)
    finally:
        event.remove(engine, "before_cursor_execute", fail_the_mark)
    assert NOT_SAVED in reply_text(response)
    assert unchanged(sessions, before)
    assert "Added" in reply_text(slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE))
    assert topics(sessions) == ["Hiring plan"]
    record(
        "database down or refusing writes: requests answered in the bot's own words, nothing half stored", 1
    )
