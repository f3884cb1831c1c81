"""What `python -m bot` writes to its log: never a request's or a message's text (DESIGN.md, Privacy).

Each test installs logs.configure()'s own handler on a string, builds the real Bolt app afterwards (building
an App resets its loggers' levels, which is what undid the old fix), feeds it Slack traffic carrying a
private phrase, and reads what was written.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin.connection import Connection, ConnectionState
from sqlalchemy import Engine

from bot import logs
from bot.config import Settings
from bot.slack.app import build_app
from bot.store.db import SessionFactory
from bot.web import build_wsgi
from emulator.requests import FORM, SlackSender
from tests.conftest import FakeClock
from tests.reliability_report import record

LEAK = "requests with private text logged without it (forged, unhandled, Socket Mode)"
PHRASE = f"thinking-about-quitting-{uuid.uuid4().hex[:8]}"  # survives URL encoding as it is
ALICE, BOB = "UALICE01", "UBOB0001"


class _NoOutbox:
    def kick(self) -> None:
        pass


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """The process's log handler, writing to a string; the root logger as it was afterwards."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = logs.configure(stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def app(log_output: io.StringIO, settings: Settings, sessions: SessionFactory, clock: FakeClock) -> App:
    """Built after logging is configured, as in the process."""
    return build_app(settings, sessions, clock=clock, outbox=_NoOutbox())


@pytest.fixture
def http(app: App, engine: Engine, settings: Settings) -> Iterator[SlackSender]:
    """Slack's requests to the app over its real WSGI entry point, in this thread."""
    sender = SlackSender("http://bot.test", settings.signing_secret or "")
    sender.client.close()
    sender.client = httpx.Client(transport=httpx.WSGITransport(app=build_wsgi(app, engine)))
    yield sender
    sender.close()


def _block_suggestion(value: str) -> dict[str, Any]:
    """Someone typing into an external select the app has no options listener for."""
    return {
        "type": "block_suggestion",
        "user": {"id": ALICE, "team_id": "T0001"},
        "team": {"id": "T0001", "domain": "testteam"},
        "api_app_id": "A0001",
        "action_id": "pick_topic",
        "block_id": "b0",
        "value": value,
    }


@pytest.mark.reliability
def test_a_forged_requests_text_never_reaches_the_log(http: SlackSender, log_output: io.StringIO) -> None:
    command = http.command(f"add-topic <@{BOB}> {PHRASE}", user_id=ALICE, secret="wrong")
    message = http.dm(ALICE, PHRASE, secret="wrong")
    assert (command.status_code, message.status_code) == (401, 401)
    written = log_output.getvalue()
    assert PHRASE not in written
    assert "rejected a request with an invalid signature: /1on1 (timestamp " in written
    assert "rejected a request with an invalid signature: event_callback message (timestamp " in written
    record(LEAK, 2)


@pytest.mark.reliability
def test_an_unhandled_requests_text_never_reaches_the_log(
    http: SlackSender, log_output: io.StringIO, settings: Settings
) -> None:
    # Through the app: it has no options listener, so the text typed into a select goes unhandled.
    typed = http.post(urlencode({"payload": json.dumps(_block_suggestion(PHRASE))}).encode(), FORM)
    assert typed.status_code == 404
    # Straight into Bolt's warning with an App that has no listeners at all (the app now answers every
    # event and action itself, but Bolt's path is the same for whatever it may leave unhandled).
    bare = App(
        client=WebClient(token=settings.bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL),
        signing_secret="unused",
        token_verification_enabled=False,
    )
    event = {"type": "reaction_added", "user": ALICE, "reaction": PHRASE, "item": {"text": PHRASE}}
    body = {"type": "event_callback", "team_id": "T0001", "event": event, "event_id": "Ev1"}
    assert bare.dispatch(BoltRequest(body=json.dumps(body), mode="socket_mode")).status == 404
    written = log_output.getvalue()
    assert PHRASE not in written
    assert "unhandled request: block_suggestion pick_topic (no listener matched)" in written
    assert "unhandled request: event_callback reaction_added (no listener matched)" in written
    record(LEAK, 2)


def test_a_middleware_that_drops_a_request_does_not_log_its_body(app: App, log_output: io.StringIO) -> None:
    def swallow(body: dict[str, Any], next: object) -> None:
        """Neither next() nor a response: Bolt then logs the whole body."""

    app.middleware(swallow)
    body = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "actions": [{"action_id": "done", "value": PHRASE}],
    }
    assert app.dispatch(BoltRequest(body=json.dumps(body), mode="socket_mode")).status == 404
    written = log_output.getvalue()
    assert PHRASE not in written
    swallowed = "global middleware CustomMiddleware(func=swallow) neither called next() nor responded"
    assert f"{swallowed}: block_actions done" in written


def _frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked WebSocket frame, as Slack's server sends it."""
    if len(payload) < 126:
        return bytes([0x80 | opcode, len(payload)]) + payload
    return bytes([0x80 | opcode, 126]) + struct.pack("!H", len(payload)) + payload


@pytest.mark.reliability
@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
def test_socket_modes_frames_and_messages_never_reach_the_log(
    log_output: io.StringIO, settings: Settings, sessions: SessionFactory, clock: FakeClock, level: int
) -> None:
    logging.getLogger().setLevel(level)  # DEBUG too: slack_sdk then traces every frame it receives
    app = build_app(settings, sessions, clock=clock, outbox=_NoOutbox())
    handler = SocketModeHandler(app, "xapp-1-test")
    envelope = {"envelope_id": "e1", "type": "interactive", "payload": _block_suggestion(PHRASE)}
    ours, slacks = socket.socketpair()
    # The builtin client's connection reads real frames; each text frame goes through the client's
    # message processing (as its worker would) into Bolt's socket mode handler and the app.
    connection = Connection(
        url="wss://socket.test",
        logger=handler.client.logger,
        trace_enabled=level == logging.DEBUG,
        on_message_listener=lambda raw: handler.client.run_message_listeners(json.loads(raw), raw),
    )
    connection.sock = ours  # type: ignore[assignment]
    slacks.sendall(
        _frame(0x2, PHRASE.encode())  # binary: unsupported, logged with its payload
        + _frame(0x1, json.dumps(envelope).encode())
        + _frame(0x8, struct.pack("!H", 1000))  # close, which ends the run
    )
    reader = threading.Thread(target=connection.run_until_completion, args=(ConnectionState(),))
    reader.start()
    reader.join(timeout=30)
    handler.client.message_queue.put(None)  # wakes the client's idle queue reader, so close() need not wait
    handler.close()
    slacks.close()
    assert not reader.is_alive()
    written = log_output.getvalue()
    assert PHRASE not in written
    assert "received an unsupported data frame (session id " in written
    assert "unhandled request: block_suggestion pick_topic (no listener matched)" in written
    assert "unsuccessful Bolt execution result (status 404)" in written
    record(LEAK, 2)


def test_building_the_app_with_a_token_in_the_environment_warns_of_nothing(
    log_output: io.StringIO,
    settings: Settings,
    sessions: SessionFactory,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", settings.bot_token or "xoxb-test")
    build_app(settings, sessions, clock=clock, outbox=_NoOutbox())
    assert [line for line in log_output.getvalue().splitlines() if " WARNING " in line] == []
