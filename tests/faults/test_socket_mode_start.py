"""Socket Mode that keeps going: Slack away or unwell at start-up is waited for, with growing pauses (passed
in, never slept); a token Slack refuses ends `run` with one line; a dropped socket or Slack's `disconnect`
is followed by a new connection that serves the next command."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.config import ConfigError, Settings
from bot.delivery.background import BackgroundDeliverer
from bot.processes import web_app
from bot.slack import startup
from bot.slack.after_ack import AfterAck
from bot.slack.startup import MAX_RETRY_SECONDS, check_slack_token, connect_socket_mode
from bot.store.db import SessionFactory
from emulator.socket_mode_app import SocketModeSender
from emulator.web_api import APP_TOKEN, BOT_TOKEN, SlackEmulator
from tests.conftest import FakeClock, reset_around
from tests.e2e.test_cli import assert_one_clear_line, run_bot
from tests.slack.people import ALICE
from tests.test_socket_mode import reply, wait_until_connected

PING_INTERVAL = 2.0  # how soon the client notices a dead connection (Bolt's default, 10 s, is slow for tests)


@pytest.fixture
def emu(own_emulator: SlackEmulator) -> Iterator[SlackEmulator]:
    """An emulator of this module's own: the suite's Socket Mode app would take envelopes meant for ours."""
    yield from reset_around(own_emulator)


class Pauses:
    """A fake `sleep`: records each pause, and does what the test says at the pause it names."""

    def __init__(self, at: dict[int, Callable[[], object]] | None = None) -> None:
        self.taken: list[float] = []
        self._at = at or {}

    def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        if (then := self._at.get(len(self.taken))) is not None:
            then()


@pytest.fixture
def connecting(
    settings: Settings, sessions: SessionFactory, clock: FakeClock
) -> Iterator[Callable[[Settings, Pauses], SocketModeHandler]]:
    """connect_socket_mode for the app `run` builds (web_app), against the Slack the settings name."""
    handlers: list[SocketModeHandler] = []
    apps = []

    def connect(to: Settings, sleep: Pauses) -> SocketModeHandler:
        app = web_app(to, sessions, clock, later=AfterAck())
        apps.append(app)
        handler = connect_socket_mode(app, to, sleep=sleep, ping_interval=PING_INTERVAL)
        handlers.append(handler)
        return handler

    yield connect
    for handler in handlers:
        handler.close()
    for app in apps:
        if isinstance(outbox := getattr(app, "outbox", None), BackgroundDeliverer):
            outbox.stop()


def socket_settings(settings: Settings, api_url: str) -> Settings:
    return replace(settings, app_token=APP_TOKEN, slack_api_url=api_url)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
    ]


class Logged(logging.Handler):
    """Sets `seen` once a line with `fragment` is logged: a wait on the client's threads, not on a clock."""

    def __init__(self, fragment: str) -> None:
        super().__init__()
        self.fragment = fragment
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.fragment in record.getMessage():
            self.seen.set()


def help_works(emu: SlackEmulator) -> bool:
    emu.socket_mode.connected(timeout=10)
    return "/1on1 add-topic" in reply(SocketModeSender(emu.socket_mode).command("help", user_id=ALICE))


# ---------------------------------------------------------------------------------------------------
# Slack away at start-up


@pytest.fixture
def not_yet_listening() -> Iterator[SlackEmulator]:
    """An emulator on a port of its own that the test starts when it wants Slack to be back."""
    emulator = SlackEmulator(port=free_port())
    yield emulator
    emulator.stop()


def test_slack_unreachable_for_a_while_is_waited_for_with_growing_capped_pauses_then_serves(
    settings: Settings,
    not_yet_listening: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = not_yet_listening
    pauses = Pauses(at={9: later.start})  # nothing listens on its port until the ninth pause is over
    with caplog.at_level(logging.INFO):
        connecting(socket_settings(settings, f"http://127.0.0.1:{later.port}/api/"), pauses)
    assert pauses.taken == [1, 2, 4, 8, 16, 32, MAX_RETRY_SECONDS, 60, 60]
    # Once Slack answered, each step asked it once: the token, then the connection (whose URL it used).
    assert [c.method for c in later.calls()] == ["auth.test", "apps.connections.open"]
    assert help_works(later)
    waits = [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.slack.startup" and r.levelno == logging.WARNING
    ]
    assert len(waits) == 9
    assert waits[0].startswith("could not check SLACK_BOT_TOKEN: Slack is unreachable or unwell (")
    assert waits[-1].endswith("; next try in 60 s")
    assert tracebacks(caplog) == []


def test_slack_answering_500s_and_unwell_errors_is_waited_for_at_each_step(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu.fail_next("auth.test", status=500)
    emu.fail_next("auth.test", status=200, error="internal_error")
    emu.fail_next("apps.connections.open", status=503)
    emu.fail_next("apps.connections.open", status=429, retry_after=30)  # Slack's Retry-After is longer
    pauses = Pauses()
    with caplog.at_level(logging.INFO):
        connecting(socket_settings(settings, emu.url), pauses)
    assert pauses.taken == [1, 2, 1, 30]  # the back-off starts over for the app-level token
    assert [(c.method, c.http_status, c.response.get("error")) for c in emu.calls()] == [
        ("auth.test", 500, "internal_error"),
        ("auth.test", 200, "internal_error"),
        ("auth.test", 200, None),
        ("apps.connections.open", 503, "service_unavailable"),
        ("apps.connections.open", 429, "ratelimited"),
        ("apps.connections.open", 200, None),
    ]
    assert help_works(emu)
    assert tracebacks(caplog) == []


def test_a_websocket_that_does_not_open_is_tried_again_with_a_new_url(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The emulator has no fault for a handshake that fails (see the report); the first URL Slack grants
    # is bent to a port where nothing listens, as when the WebSocket host cannot be reached.
    granted, dead, bend = startup._connection_url, free_port(), iter([True])

    def first_bent(to: Settings) -> str:
        url = urlsplit(granted(to))
        return urlunsplit(url._replace(netloc=f"127.0.0.1:{dead}")) if next(bend, False) else url.geturl()

    monkeypatch.setattr(startup, "_connection_url", first_bent)
    pauses = Pauses()
    with caplog.at_level(logging.INFO):
        connecting(socket_settings(settings, emu.url), pauses)
    assert pauses.taken == [1]
    assert help_works(emu)
    assert len(emu.calls("apps.connections.open")) == 2 and emu.socket_mode.opened == 1
    assert (
        "could not open a Socket Mode connection: Slack is unreachable or unwell (the WebSocket did not open)"
        in (caplog.text)
    )
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    ("method", "code", "line"),
    [
        ("auth.test", "invalid_auth", "Slack rejected SLACK_BOT_TOKEN: invalid_auth"),
        ("auth.test", "account_inactive", "Slack rejected SLACK_BOT_TOKEN: account_inactive"),
        ("auth.test", "token_revoked", "Slack rejected SLACK_BOT_TOKEN: token_revoked"),
        ("apps.connections.open", "not_authed", "Slack rejected SLACK_APP_TOKEN: not_authed"),
        ("apps.connections.open", "token_revoked", "Slack rejected SLACK_APP_TOKEN: token_revoked"),
    ],
)
def test_a_token_slack_refuses_stops_at_once_without_waiting(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    method: str,
    code: str,
    line: str,
) -> None:
    emu.fail_next(method, status=200, error=code)
    pauses = Pauses()
    with pytest.raises(ConfigError) as refused:
        connecting(socket_settings(settings, emu.url), pauses)
    assert str(refused.value) == line and pauses.taken == []
    assert emu.socket_mode.opened == 0


def test_over_http_an_unwell_slack_is_only_a_warning_and_a_refused_token_stops(
    settings: Settings, emu: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """`serve` (and `run` over HTTP) need not wait: Slack comes to them, and the outbox waits for Slack."""
    http = replace(settings, slack_api_url=emu.url)
    emu.fail_next("auth.test", status=429, retry_after=5)
    with caplog.at_level(logging.WARNING, logger="bot.slack.startup"):
        check_slack_token(http)  # no ConfigError: "ratelimited" says nothing about the token
    assert (
        "could not check SLACK_BOT_TOKEN: Slack is unreachable or unwell (HTTP 429: ratelimited); continuing"
        in (caplog.text)
    )
    emu.fail_next("auth.test", status=200, error="account_inactive")
    with pytest.raises(ConfigError, match=r"^Slack rejected SLACK_BOT_TOKEN: account_inactive$"):
        check_slack_token(http)


@pytest.mark.e2e
def test_run_with_a_bot_token_slack_refuses_ends_with_one_line(tmp_path: Path, emu: SlackEmulator) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-revoked-or-mistyped",
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": emu.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    assert_one_clear_line(
        run_bot("run", env=env, cwd=tmp_path), "Slack rejected SLACK_BOT_TOKEN: invalid_auth"
    )
    assert emu.calls("apps.connections.open") == []


@pytest.mark.e2e
def test_run_waits_out_a_slack_that_answers_500_then_serves_without_a_traceback(
    tmp_path: Path, emu: SlackEmulator
) -> None:
    """The real process: one real pause of a second (the first of the back-off), then it serves."""
    emu.fail_next("auth.test", status=500)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "PORT"))}
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
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_connected(emu, process)
        assert help_works(emu)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert (
        "could not check SLACK_BOT_TOKEN: Slack is unreachable or unwell (HTTP 500: internal_error)" in stderr
    )
    assert "next try in 1 s" in stderr
    assert "Traceback" not in stderr, stderr


# ---------------------------------------------------------------------------------------------------
# Connected: dropped sockets and Slack's `disconnect`


def test_after_a_dropped_socket_the_client_reconnects_and_the_next_command_works(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    connecting(socket_settings(settings, emu.url), Pauses())
    assert help_works(emu)
    with caplog.at_level(logging.INFO):
        emu.socket_mode.drop_connection()  # a TCP reset, as when the network goes
        assert help_works(emu)  # the command waits for the new connection (within a ping interval)
        emu.socket_mode.drop_connection()
        assert help_works(emu)
    assert len(emu.calls("apps.connections.open")) == 3 and emu.socket_mode.opened == 3
    assert tracebacks(caplog) == []


def test_after_slacks_disconnect_the_client_reconnects_and_the_next_command_works(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    connecting(socket_settings(settings, emu.url), Pauses())
    emu.socket_mode.connected(timeout=10)  # Slack's end has the connection too (its hello went out)
    with caplog.at_level(logging.INFO):
        emu.socket_mode.request_refresh()  # {"type": "disconnect", "reason": "refresh_requested"}
        assert emu.socket_mode.connected(timeout=10)["num_connections"] == 2  # the new one, beside the old
        assert help_works(emu)
    assert len(emu.calls("apps.connections.open")) == 2
    assert tracebacks(caplog) == []


def test_a_disconnect_while_slack_is_unwell_costs_a_line_and_the_connection_after_the_old_one_ends_serves(
    settings: Settings,
    emu: SlackEmulator,
    connecting: Callable[[Settings, Pauses], SocketModeHandler],
    caplog: pytest.LogCaptureFixture,
) -> None:
    connecting(socket_settings(settings, emu.url), Pauses())
    emu.socket_mode.connected(timeout=10)  # Slack's end has the connection too (its hello went out)
    emu.fail_next("apps.connections.open", status=500)
    failed = Logged("Socket Mode could not reconnect")
    logging.getLogger("bot.slack.startup").addHandler(failed)
    try:
        with caplog.at_level(logging.INFO):
            emu.socket_mode.request_refresh()
            assert failed.seen.wait(10)
            # Slack ends the connection it asked the app to replace (the emulator leaves that to the test).
            emu.socket_mode.drop_connection()
            assert help_works(emu)
    finally:
        logging.getLogger("bot.slack.startup").removeHandler(failed)
    assert [c.http_status for c in emu.calls("apps.connections.open")] == [200, 500, 200]
    assert "Socket Mode could not reconnect: Slack answered internal_error" in caplog.text
    assert tracebacks(caplog) == []
