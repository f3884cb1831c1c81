"""LOG_FORMAT=json: one JSON object per line (time in UTC, level, logger, message, the exception's text),
rewritten as the text lines are (never a request's text), and the lines an operator reads each minute:
a tick's, and a delivery pass's, the web process's own deliverer included."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App
from sqlalchemy import Engine

from bot import logs
from bot.clock import ClockTick
from bot.config import Settings
from bot.processes import build_deliverer
from bot.services.tick import run_tick
from bot.slack.app import build_app
from bot.store.db import SessionFactory
from bot.web import build_wsgi
from emulator.requests import FORM, SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import AppServer, FakeClock, http_sender
from tests.faults.test_database_trouble import database_failing
from tests.slack.people import ALICE, BOB, add_people
from tests.test_logs import PHRASE, _block_suggestion, _NoOutbox

FIELDS = ("time", "level", "logger", "message")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The process's log handler in JSON, writing to a string; the root logger as it was afterwards."""
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = logs.configure(stream, log_format="json")
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Every line written, each parsed as one JSON object with the fields a log pipeline reads."""
    parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
    for line in parsed:
        assert {*FIELDS} <= line.keys() <= {*FIELDS, "exception", "stack"}
        assert datetime.fromisoformat(line["time"]).utcoffset() == UTC.utcoffset(None)
    return parsed


@pytest.fixture
def http(
    json_log: io.StringIO, settings: Settings, sessions: SessionFactory, clock: FakeClock, engine: Engine
) -> Iterator[SlackSender]:
    """Slack's requests through the real WSGI entry point, to an app built after logging is set up."""
    app: App = build_app(settings, sessions, clock=clock, outbox=_NoOutbox())
    sender = SlackSender("http://bot.test", settings.signing_secret or "")
    sender.client.close()
    sender.client = httpx.Client(transport=httpx.WSGITransport(app=build_wsgi(app, engine)))
    yield sender
    sender.close()


def test_forged_and_unhandled_requests_are_json_lines_without_their_text(
    http: SlackSender, json_log: io.StringIO
) -> None:
    assert http.command(f"add-topic <@{BOB}> {PHRASE}", user_id=ALICE, secret="wrong").status_code == 401
    typed = http.post(urlencode({"payload": json.dumps(_block_suggestion(PHRASE))}).encode(), FORM)
    assert typed.status_code == 404
    assert PHRASE not in json_log.getvalue()
    written = [(line["level"], line["message"]) for line in lines(json_log)]
    assert any(
        level == "INFO"
        and message.startswith("rejected a request with an invalid signature: /1on1 (timestamp ")
        for level, message in written
    )
    assert ("WARNING", "unhandled request: block_suggestion pick_topic (no listener matched)") in written


def test_an_exception_is_one_line_with_its_text_and_without_what_was_written(
    http: SlackSender, json_log: io.StringIO, engine: Engine
) -> None:
    with database_failing(engine):
        answered = http.command(f"add-topic <@{BOB}> {PHRASE}", user_id=ALICE)
    assert answered.status_code == 200  # the bot's own words
    assert PHRASE not in json_log.getvalue()
    (failed,) = [line for line in lines(json_log) if "exception" in line]
    assert (
        failed["level"] == "ERROR" and failed["message"] == f"the database failed under command from {ALICE}"
    )
    assert failed["exception"].startswith("Traceback (most recent call last):")
    assert "injected: the database is unavailable" in failed["exception"]


def test_the_web_processs_own_deliverer_logs_a_line_per_pass(
    app_server: AppServer, sessions: SessionFactory, emulator: SlackEmulator, json_log: io.StringIO
) -> None:
    """A request that queued messages: the served app's deliverer sends them and says so (counts only)."""
    add_people(emulator)
    served = app_server
    with http_sender(served.url, emulator, served.later, served.deliverer, served.app) as slack:
        slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE)
    passes = [line["message"] for line in lines(json_log) if line["logger"] == "bot.delivery"]
    assert passes and passes[0].startswith("delivery: ")
    sent = sum(int(message.split("delivery: ")[1].split(" sent")[0]) for message in passes)
    assert sent == len(emulator.calls("chat.postMessage")) >= 1


def test_a_tick_that_queues_nothing_still_logs_its_line(
    settings: Settings, sessions: SessionFactory, clock: FakeClock, json_log: io.StringIO
) -> None:
    """Every tick kicks a delivery pass, and the pass writes the line: an idle bot says so once a minute."""
    deliverer = build_deliverer(settings, sessions, clock, wait=lambda _seconds: True)
    tick = ClockTick(lambda now: run_tick(sessions, now), deliverer, clock)
    tick()
    assert deliverer.wait_idle(10)
    deliverer.stop()
    assert [(line["level"], line["logger"], line["message"]) for line in lines(json_log)] == [
        (
            "INFO",
            "bot.clock",
            "tick 2026-12-01T09:00:00Z: 0 meetings materialised, 0 messages queued; delivery: 0 sent, "
            "0 to retry, 0 failed, 0 dropped, 0 held back by rate limits",
        )
    ]
