"""The app's end of Socket Mode, against the emulator's (emulator/socket_mode.py): Slack's requests delivered
as envelopes (:class:`SocketModeSender`, the HTTP sender's twin), and a Bolt app under its Socket Mode handler
(:class:`SocketModeBot`), as `run` serves the bot.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from emulator.requests import FORM, JSON, SendOptions, SlackRequests, SlackSide

if TYPE_CHECKING:
    from emulator.socket_mode import SocketModeServer


def envelope_of(body: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """What Slack sends over Socket Mode for a body it would POST over HTTP: (envelope type, payload).

    A slash command's payload is its form fields; an interaction's is the JSON of its ``payload`` field;
    an Events API envelope carries the ``event_callback`` itself (no url_verification in Socket Mode).
    """
    if content_type == JSON:
        payload = json.loads(body)
        if payload.get("type") != "event_callback":
            raise ValueError(f"Socket Mode carries only event_callback events, not {payload.get('type')!r}")
        return "events_api", payload
    if content_type == FORM:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if set(form) == {"payload"}:
            return "interactive", json.loads(form["payload"])
        return "slash_commands", form
    raise ValueError(f"no Socket Mode envelope for content type {content_type!r}")


@dataclass(frozen=True)
class AckResponse:
    """The app's ack, read like the httpx.Response of an HTTP request: status 200 once acknowledged."""

    envelope_id: str
    acked: bool
    payload: dict[str, Any] | None
    ack_seconds: float  # push to ack (or the time waited, when no ack came)

    @property
    def status_code(self) -> int:
        return 200 if self.acked else 504  # 504: no ack before the sender's timeout (no HTTP here)

    @property
    def content(self) -> bytes:
        return json.dumps(self.payload).encode() if self.payload else b""

    @property
    def text(self) -> str:
        if not self.acked:
            return f"no ack for envelope {self.envelope_id} within {self.ack_seconds:.1f}s"
        return self.content.decode()

    def json(self) -> Any:
        return copy.deepcopy(self.payload) if self.payload else {}


class SocketModeSender(SlackRequests):
    """SlackSender's interface over Socket Mode: push the envelope, wait for the app's ack.

    ``retry_num`` / ``retry_reason`` become the envelope's ``retry_attempt`` / ``retry_reason``. Request
    signing does not exist in Socket Mode, so ``timestamp`` and ``secret`` are refused (TypeError): a test of
    signatures has nothing to test here. ``responses`` and ``settle`` work as SlackSender's do.
    """

    def __init__(
        self,
        server: SocketModeServer,
        timeout: float = 10.0,
        *,
        responses: SlackSide | None = None,
        settle: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(responses=responses, settle=settle)
        self.server = server
        self.timeout = timeout

    def send(self, body: bytes, content_type: str, options: SendOptions) -> AckResponse:
        if options.timestamp is not None or options.secret is not None:
            raise TypeError("timestamp/secret sign HTTP requests; Socket Mode has no signatures to test")
        kind, payload = envelope_of(body, content_type)
        envelope_id = self.server.push(
            kind, payload, retry_attempt=options.retry_num or 0, retry_reason=options.retry_reason or ""
        )
        started = time.monotonic()
        try:
            ack, seconds = self.server.wait_for_ack(envelope_id, self.timeout)
        except AssertionError:
            return AckResponse(envelope_id, False, None, time.monotonic() - started)
        return AckResponse(envelope_id, True, ack, seconds)

    def replaced(self, response: AckResponse, payload: dict[str, Any]) -> AckResponse:
        return replace(response, payload=payload)  # same envelope, same ack_seconds


# ---------------------------------------------------------------------------------------------------
# The bot over Socket Mode


class SocketModeBot:
    """A Bolt app under slack_bolt's SocketModeHandler (slack_sdk's builtin client), as `run` serves it.

    The client reaches apps.connections.open through the app's WebClient, so an app built with the
    emulator's SLACK_API_URL connects to the emulator. ``ping_interval`` also paces its reconnect after a
    connection dies without a close frame: only its monitor, which runs every ping_interval, notices (Bolt's
    default is 10 s). Not below 2 s: the client calls a connection stale after 4 intervals without a pong,
    and it reads nothing for up to 3 s while it swaps connections on a refresh.
    """

    def __init__(self, app: App, app_token: str, *, ping_interval: float = 2.0) -> None:
        self.handler = SocketModeHandler(app, app_token, ping_interval=ping_interval)

    def __enter__(self) -> SocketModeBot:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        """Open the first connection and return; the client's threads receive and reconnect from then on."""
        self.handler.connect()

    def close(self) -> None:
        self.handler.close()
