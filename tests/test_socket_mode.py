"""Socket Mode: the emulator's WebSocket side, then the real bot under Bolt's SocketModeHandler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.config import ConfigError, Settings
from bot.slack import startup
from bot.store.db import SessionFactory
from bot.store.models import Topic
from emulator.requests import dm_message_event, event_body, slash_command_body
from emulator.socket_mode_app import AckResponse, SocketModeSender, envelope_of
from emulator.web_api import APP_TOKEN, BOT_TOKEN, SlackEmulator
from tests.conftest import FakeClock, SocketModeApp, reset_around, socket_mode_sender
from tests.reliability_report import record
from tests.slack.helpers import answer_in_thread, text_of, written_in_dm
from tests.slack.people import ALICE, BOB, add_people

# ---------------------------------------------------------------------------------------------------
# The emulator alone, with a raw WebSocket client in the app's place


@pytest.fixture
def emu(own_emulator: SlackEmulator) -> Iterator[SlackEmulator]:
    """An emulator of this module's own, so no bot connected to the session-wide one takes these envelopes."""
    yield from reset_around(own_emulator)


def open_url(emu: SlackEmulator) -> str:
    return str(WebClient(base_url=emu.url).apps_connections_open(app_token=APP_TOKEN)["url"])


def receive(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=5))


@contextmanager
def connect_app(emu: SlackEmulator) -> Iterator[ClientConnection]:
    """Connect as an app does, and read the hello."""
    with connect(open_url(emu)) as ws:
        assert receive(ws)["type"] == "hello"
        yield ws


def test_apps_connections_open_wants_the_app_level_token(emu: SlackEmulator) -> None:
    client = WebClient(base_url=emu.url)
    url = open_url(emu)
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url and url.endswith("&app_id=A0001")
    errors = {}
    for token in (BOT_TOKEN, "xapp-1-not-ours", ""):
        with pytest.raises(SlackApiError) as excinfo:
            client.apps_connections_open(app_token=token)
        errors[token] = excinfo.value.response["error"]
    assert errors == {
        BOT_TOKEN: "not_allowed_token_type",
        "xapp-1-not-ours": "invalid_auth",
        "": "not_authed",
    }
    with pytest.raises(SlackApiError) as excinfo:  # and the app-level token is for nothing else
        WebClient(token=APP_TOKEN, base_url=emu.url).chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response["error"] == "not_allowed_token_type"


def test_hello_on_connect_counts_the_connections(emu: SlackEmulator) -> None:
    with connect(open_url(emu)) as first:
        hello = receive(first)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0001"} and "host" in hello["debug_info"]
        with connect(open_url(emu)) as second:
            assert receive(second)["num_connections"] == 2
            assert emu.socket_mode.connections == 2


def test_a_used_or_unknown_ticket_is_refused(emu: SlackEmulator) -> None:
    url = open_url(emu)
    with connect(url) as ws:
        assert receive(ws)["type"] == "hello"
    for bad in (url, url.replace("ticket=", "ticket=forged")):
        with pytest.raises(InvalidStatus) as excinfo:
            connect(bad)
        assert excinfo.value.response.status_code == 401
    assert len(emu.socket_mode.refused) == 2 and emu.socket_mode.opened == 1


def test_envelopes_and_acks_are_recorded_with_their_payload_and_time(emu: SlackEmulator) -> None:
    with connect_app(emu) as ws:
        kind, command = envelope_of(*slash_command_body("help", ALICE))
        envelope_id = emu.socket_mode.push(kind, command)
        envelope = receive(ws)
        assert envelope == {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "payload": command,
            "accepts_response_payload": True,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        assert command["command"] == "/1on1" and command["text"] == "help"
        ws.send(json.dumps({"envelope_id": envelope_id, "payload": {"text": "usage"}}))
        payload, seconds = emu.socket_mode.wait_for_ack(envelope_id)
        assert payload == {"text": "usage"} and 0 < seconds < 5

        event_id = emu.socket_mode.push(*envelope_of(*event_body(dm_message_event(BOB, "hi"))))
        event = receive(ws)
        assert event["type"] == "events_api" and event["accepts_response_payload"] is False
        assert event["payload"]["type"] == "event_callback"
        ws.send(json.dumps({"envelope_id": event_id}))
        assert emu.socket_mode.wait_for_ack(event_id)[0] is None

        last_id = emu.socket_mode.push("interactive", {"type": "block_actions"})
        assert receive(ws)["accepts_response_payload"] is True
        ws.send(json.dumps({"envelope_id": "not-one-of-ours"}))
        ws.send(json.dumps({"envelope_id": last_id}))
        emu.socket_mode.wait_for_ack(last_id)  # acks are read in order: the stray one came before
    assert [a.envelope_id for a in emu.socket_mode.acks()] == [envelope_id, event_id, last_id]
    assert emu.socket_mode.stray == [{"envelope_id": "not-one-of-ours"}]


def test_an_event_unacknowledged_when_its_socket_drops_is_retried_on_the_next_connection(
    emu: SlackEmulator,
) -> None:
    body = event_body(dm_message_event(BOB, "agenda item"))
    with connect_app(emu) as first:
        envelope_id = emu.socket_mode.push(*envelope_of(*body))
        command_id = emu.socket_mode.push(*envelope_of(*slash_command_body("help", ALICE)))
        assert receive(first)["envelope_id"] == envelope_id
        with pytest.raises(AssertionError, match="not acknowledged yet"):
            emu.socket_mode.drop_connection(unacked_ok=False)
        emu.socket_mode.drop_connection()
    with connect(open_url(emu)) as second:
        assert receive(second)["type"] == "hello"
        retry = receive(second)
        assert retry["payload"] == json.loads(body[0])  # the same event, event_id and all
        assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
        assert retry["envelope_id"] != envelope_id
        second.send(json.dumps({"envelope_id": retry["envelope_id"]}))
        assert emu.socket_mode.wait_for_ack(envelope_id)[0] is None
    # A slash command is not retried: the person saw it fail (see RETRIED_TYPES).
    assert [d.retry_attempt for d in emu.socket_mode.deliveries(command_id)] == [0]


def test_refresh_requested_sends_disconnect_and_holds_new_envelopes_for_the_next_connection(
    emu: SlackEmulator,
) -> None:
    with connect_app(emu) as old:
        emu.socket_mode.request_refresh()
        disconnect = receive(old)
        assert (disconnect["type"], disconnect["reason"]) == ("disconnect", "refresh_requested")
        assert "host" in disconnect["debug_info"]
        envelope_id = emu.socket_mode.push(*envelope_of(*slash_command_body("list", ALICE)))
        with connect(open_url(emu)) as new:
            assert receive(new)["num_connections"] == 2  # the old one is still open until the app closes it
            assert receive(new)["envelope_id"] == envelope_id


# ---------------------------------------------------------------------------------------------------
# The app-token check `run` does before Socket Mode (its retries: tests/faults/test_socket_mode_start.py)


def test_the_app_token_check_grants_a_url_refuses_a_bad_token_and_tells_when_slack_is_away(
    settings: Settings, emu: SlackEmulator
) -> None:
    ours = replace(settings, app_token=APP_TOKEN, slack_api_url=emu.url)
    assert startup._connection_url(ours).startswith("ws://127.0.0.1:")
    with pytest.raises(ConfigError, match=r"^Slack rejected SLACK_APP_TOKEN: invalid_auth$"):
        startup._connection_url(replace(ours, app_token="xapp-1-revoked"))
    emu.fail_next("apps.connections.open", status=200, error="missing_scope")
    with pytest.raises(ConfigError, match="connections:write"):
        startup._connection_url(ours)
    emu.fail_next("apps.connections.open", status=503)
    with pytest.raises(startup.SlackAway, match="HTTP 503"):
        startup._connection_url(ours)
    away = replace(ours, slack_api_url="http://127.0.0.1:9/api/")  # discard port: nothing listens
    with pytest.raises(startup.SlackAway):
        startup._connection_url(away)


# ---------------------------------------------------------------------------------------------------
# The real bot over Socket Mode


@pytest.fixture
def socket_slack(
    socket_mode_app: SocketModeApp, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SocketModeSender]:
    """A sender to conftest's Socket Mode app: one app per emulator, or the two would split envelopes."""
    add_people(emulator)
    with socket_mode_sender(emulator, socket_mode_app.later) as sender:
        yield sender
    socket_mode_app.later.wait_idle(10)  # nothing of this test's runs into the next one


def reply(response: AckResponse) -> str:
    """The ephemeral answer a command's ack carries, as text (tests/slack/helpers.reply_text's twin)."""
    assert response.status_code == 200, response.text
    assert response.json()["response_type"] == "ephemeral"
    return text_of(response.json())


def topic_texts(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Topic.text).order_by(Topic.id)))


def test_help_is_acknowledged_with_the_usage_as_the_ack_payload(socket_slack: SocketModeSender) -> None:
    response = socket_slack.command("help", user_id=ALICE)
    assert "/1on1 add-topic" in reply(response)
    assert response.ack_seconds < 3  # Slack's deadline for an ack


def test_a_dm_event_becomes_a_topic(
    socket_slack: SocketModeSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    reply(socket_slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    dm, ts = written_in_dm(emulator, BOB, "Feedback on the launch")
    response = socket_slack.dm(BOB, "Feedback on the launch", channel=dm, ts=ts)
    assert response.status_code == 200 and response.payload is None  # events are acked without a payload
    assert f"Added to your 1:1 with <@{ALICE}>" in text_of(answer_in_thread(emulator, ts))
    assert topic_texts(sessions) == ["Feedback on the launch"]


@pytest.mark.reliability
def test_an_event_whose_socket_dropped_before_the_ack_is_retried_and_has_one_effect(
    socket_slack: SocketModeSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    reply(socket_slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    opened = len(emulator.calls("apps.connections.open"))
    dm, ts = written_in_dm(emulator, BOB, "Hiring plan")
    event = dm_message_event(BOB, "Hiring plan", channel=dm, ts=ts)
    envelope_id = emulator.socket_mode.push(*envelope_of(*event_body(event)))
    emulator.socket_mode.drop_connection()  # the app's ack, if any, can no longer arrive on that socket

    emulator.socket_mode.wait_for_ack(envelope_id, timeout=15)
    deliveries = emulator.socket_mode.deliveries(envelope_id)
    assert [(d.retry_attempt, d.retry_reason) for d in deliveries] == [(0, ""), (1, "timeout")]
    emulator.socket_mode.wait_for_ack(deliveries[-1].envelope_id, timeout=10)  # the retry itself was handled
    assert len(emulator.calls("apps.connections.open")) == opened + 1  # reconnected the documented way
    answer_in_thread(emulator, ts)
    assert topic_texts(sessions) == ["Hiring plan"]
    confirmations = [c for c in emulator.calls("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(confirmations) == 1
    record("Socket Mode: envelopes re-sent after a dropped socket", 1)
    record("Socket Mode: re-sent envelopes with a second effect", len(confirmations) - 1)


@pytest.mark.reliability
def test_after_refresh_requested_the_app_reconnects_and_the_next_command_works(
    socket_slack: SocketModeSender, emulator: SlackEmulator
) -> None:
    opened = len(emulator.calls("apps.connections.open"))
    emulator.socket_mode.request_refresh()
    hello = emulator.socket_mode.connected(timeout=10)
    assert hello["num_connections"] == 2  # Bolt's client opens the new connection before closing the old
    assert len(emulator.calls("apps.connections.open")) == opened + 1
    assert "/1on1 add-topic" in reply(socket_slack.command("help", user_id=ALICE))
    record("Socket Mode: reconnects on refresh_requested, next command answered", 1)


# ---------------------------------------------------------------------------------------------------
# `python -m bot run` itself in Socket Mode


def wait_until_connected(emu: SlackEmulator, process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Until the process connects; its stderr if it exits first (a start-up takes a second or two)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            emu.socket_mode.connected(timeout=0.5)
            return
        except AssertionError:
            if process.poll() is not None:
                raise AssertionError(
                    f"the bot exited ({process.returncode}): {process.communicate()[1]}"
                ) from None
            if time.monotonic() > deadline:
                raise


@pytest.mark.e2e
def test_run_with_an_app_token_serves_commands_over_socket_mode(tmp_path: Path, emu: SlackEmulator) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    env = {
        **clean,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": emu.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_connected(emu, process)
        assert "/1on1 add-topic" in reply(SocketModeSender(emu.socket_mode).command("help", user_id=ALICE))
        # The URL the start-up check was granted served as the first connection: one call, not two.
        assert len(emu.calls("apps.connections.open")) == 1
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr
