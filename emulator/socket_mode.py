"""Slack's Socket Mode, emulated: the emulator's WebSocket side (the app's side: socket_mode_app.py).

Protocol (api.slack.com/apis/socket-mode and "Socket Mode implementation"): the app calls
``apps.connections.open`` with its app-level token (``xapp-…``, scope ``connections:write``) and gets a
one-time WebSocket URL. On connect Slack sends ``hello``; payloads arrive as envelopes ``{"envelope_id",
"type", "payload", "accepts_response_payload", "retry_attempt", "retry_reason"}`` that the app acknowledges
with ``{"envelope_id": ..., "payload": ...}`` (a response payload only where ``accepts_response_payload``).
Before recycling a connection Slack sends ``{"type": "disconnect", "reason": "refresh_requested"}`` and the
app opens a new one through apps.connections.open. Guesses are marked "GUESS", as in web_api.py.
"""

from __future__ import annotations

import copy
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from emulator.waiting import wait_until

# Envelope type -> accepts_response_payload: slash commands and interactions answer in their ack.
ENVELOPE_TYPES = {"events_api": False, "slash_commands": True, "interactive": True}
# Slack retries an Events API delivery nobody acknowledged (immediately, then after 1 and 5 minutes, up to 3
# times); a command or an interaction that is not acknowledged fails for the person ("operation_timeout").
# GUESS: Socket Mode keeps those HTTP rules. Tests may widen `SocketModeServer.retried_types`.
RETRIED_TYPES = frozenset({"events_api"})
MAX_RETRIES = 3  # Slack's Events API gives up after three retries
RETRY_REASON = "timeout"  # GUESS: the retry_reason of an envelope whose connection died unacknowledged
_DEBUG_INFO = {"host": "applink-emulator", "build_number": 1, "approximate_connection_time": 18060}


@dataclass(frozen=True)
class Delivery:
    """One envelope as sent on a connection. Each retry is a new envelope with a new id (GUESS: Slack's
    docs do not say; a fresh id is the stricter test, because the app has to recognise the retry by the
    payload's event_id, not by the envelope)."""

    envelope_id: str
    push_id: str  # the envelope_id `push` returned: the first delivery's
    type: str
    payload: dict[str, Any]
    retry_attempt: int
    retry_reason: str
    connection: int  # which connection since the emulator started (1, 2, …)


@dataclass(frozen=True)
class Ack:
    envelope_id: str  # the delivery acknowledged
    payload: dict[str, Any] | None
    seconds: float  # monotonic time from sending that delivery to receiving its ack


@dataclass
class _Push:
    id: str
    type: str
    payload: dict[str, Any]
    retry_attempt: int  # of the first delivery
    retry_reason: str
    deliveries: list[str] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)


@dataclass
class _Link:
    """One accepted WebSocket connection."""

    number: int
    ws: ServerConnection
    hello: dict[str, Any]
    state: str = "open"  # "open" | "refreshing" (told to reconnect) | "closed"
    unacked: set[str] = field(default_factory=set)


class SocketModeServer:
    """Slack's end of Socket Mode on 127.0.0.1 (ws://, free port). The Web API emulator owns one."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self._cond = threading.Condition(threading.RLock())
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._numbers = itertools.count(1)
        # Both outlive reset(): a connected app outlives a test, and may be between apps.connections.open
        # and its handshake when the next test starts.
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._server is None:
            # No compression: slack_sdk's builtin client offers no extensions anyway.
            self._server = serve(
                self._handle, "127.0.0.1", 0, process_request=self._check_ticket, compression=None
            )
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()  # closes open connections (1001) and waits for their handlers
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def reset(self) -> None:
        """Forget envelopes, acks, refusals and counts; open connections stay (their unacked envelopes go)."""
        with self._cond:
            self.retried_types: set[str] = set(RETRIED_TYPES)
            self._pushes: dict[str, _Push] = {}
            self._push_of: dict[str, str] = {}  # delivery envelope_id -> push id
            self._sent_at: dict[str, float] = {}
            self._deliveries: list[Delivery] = []
            self._pending: list[str] = []  # push ids waiting for a connection
            self.refused: list[str] = []  # handshake paths refused (unknown or used ticket)
            self.stray: list[Any] = []  # messages from the app that acknowledge nothing we sent
            self.opened = 0  # connections accepted since reset
            for link in self._links:
                link.unacked.clear()
            self._cond.notify_all()

    def new_url(self) -> str:
        """A one-time WebSocket URL, as apps.connections.open issues (Slack's is wss://…/link/?ticket=…)."""
        if self._server is None:
            raise RuntimeError("SocketModeServer is not started")
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}&app_id={self.app_id}"

    # ------------------------------------------------------------------ test-facing
    def connected(self, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until an app is connected (and not asked to reconnect); the hello it was sent."""

        def hello() -> dict[str, Any] | None:
            link = self._current()
            return None if link is None else copy.deepcopy(link.hello)

        return wait_until(
            self._cond,
            hello,
            timeout,
            lambda: (
                f"no Socket Mode client connected within {timeout}s; {self.opened} connection(s) "
                f"accepted since reset, refused handshakes: {self.refused}"
            ),
        )

    @property
    def connections(self) -> int:
        """Open connections (including one told to refresh that the app has not closed yet)."""
        with self._cond:
            return sum(1 for link in self._links if link.state != "closed")

    def push(
        self, type: str, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> str:
        """Send an envelope to the newest connection (or the next one, if none is open); its envelope_id."""
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"unknown envelope type {type!r}; one of {sorted(ENVELOPE_TYPES)}")
        push = _Push(str(uuid.uuid4()), type, copy.deepcopy(payload), retry_attempt, retry_reason)
        with self._cond:
            self._pushes[push.id] = push
            self._pending.append(push.id)
            self._flush()
        return push.id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> tuple[dict[str, Any] | None, float]:
        """The first ack of this delivery or of a later retry of it: (ack payload or None, seconds to ack)."""

        def acked() -> tuple[dict[str, Any] | None, float] | None:
            push = self._push_for(envelope_id)
            # The push's id is its first delivery's, so "this or a later delivery" is any of them.
            later = (
                push.deliveries
                if envelope_id == push.id
                else push.deliveries[push.deliveries.index(envelope_id) :]
            )
            ack = next((a for a in push.acks if a.envelope_id in later), None)
            return None if ack is None else (copy.deepcopy(ack.payload), ack.seconds)

        return wait_until(
            self._cond,
            acked,
            timeout,
            lambda: (
                f"no ack for envelope {envelope_id} within {timeout}s; deliveries "
                f"(envelope_id, retry_attempt, connection): {self._delivery_report(envelope_id)}"
            ),
        )

    def deliveries(self, envelope_id: str | None = None) -> list[Delivery]:
        """Envelopes sent (of one push, named by any of its envelope ids), oldest first."""
        with self._cond:
            if envelope_id is None:
                return list(self._deliveries)
            push_id = self._push_for(envelope_id).id
            return [d for d in self._deliveries if d.push_id == push_id]

    def acks(self, envelope_id: str | None = None) -> list[Ack]:
        with self._cond:
            if envelope_id is None:
                return [a for push in self._pushes.values() for a in push.acks]
            return list(self._push_for(envelope_id).acks)

    def drop_connection(self, unacked_ok: bool = True) -> None:
        """Kill the newest connection without a close frame (TCP reset), as a network failure would.

        Its unacknowledged Events API envelopes go again, as retries, once an app is connected. With
        ``unacked_ok=False`` it refuses (AssertionError) while envelopes on it wait for their ack.
        """
        with self._cond:
            link = next((link for link in reversed(self._links) if link.state != "closed"), None)
            if link is None:
                raise AssertionError("no Socket Mode connection to drop")
            if link.unacked and not unacked_ok:
                raise AssertionError(f"envelopes not acknowledged yet: {sorted(link.unacked)}")
            self._lose(link)  # from now on its acks never reach "Slack"
            _reset_tcp(link.ws)
            self._flush()

    def request_refresh(self) -> None:
        """Send ``disconnect`` / ``refresh_requested`` on the newest connection; new envelopes wait for the
        app's next connection. The app closes the old one itself (GUESS: Slack closes it ~10 s later)."""
        with self._cond:
            link = self._current()
            if link is None:
                raise AssertionError("no Socket Mode connection to refresh")
            link.state = "refreshing"
            self._send(link, {"type": "disconnect", "reason": "refresh_requested", "debug_info": _DEBUG_INFO})
            self._cond.notify_all()

    # ------------------------------------------------------------------ WebSocket plumbing
    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = dict(parse_qsl(parts.query)).get("ticket", "")
        with self._cond:
            if parts.path == "/link/" and ticket in self._tickets:
                self._tickets.discard(ticket)  # one connection per ticket
                return None
            self.refused.append(request.path)
            self._cond.notify_all()
        # GUESS: Slack's answer to a stale or unknown ticket is not documented.
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            live = 1 + sum(1 for link in self._links if link.state != "closed")
            hello = {
                "type": "hello",
                "num_connections": live,
                "debug_info": _DEBUG_INFO,
                "connection_info": {"app_id": self.app_id},
            }
            link = _Link(next(self._numbers), ws, hello)
            self._links.append(link)
            self.opened += 1
            if self._send(link, hello):
                self._flush()
            self._cond.notify_all()
        try:
            for message in ws:
                self._receive(link, message)
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._lose(link)
                self._flush()

    def _receive(self, link: _Link, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        received = time.monotonic()
        with self._cond:
            if link.state == "closed":
                return  # dropped: Slack never hears it
            push_id = self._push_of.get(str(envelope_id))
            if push_id is None:
                self.stray.append(data if data is not None else message)
                return
            # GUESS: an ack counts on any of the app's connections (slack_sdk acks on its newest one).
            for other in self._links:
                other.unacked.discard(str(envelope_id))
            payload = data.get("payload") if isinstance(data, dict) else None
            push = self._pushes[push_id]
            push.acks.append(Ack(str(envelope_id), payload, received - self._sent_at[str(envelope_id)]))
            if push_id in self._pending:
                self._pending.remove(push_id)  # acknowledged late, before its retry went out
            self._cond.notify_all()

    def _delivery_report(self, envelope_id: str) -> list[tuple[str, int, int]]:
        return [(d.envelope_id, d.retry_attempt, d.connection) for d in self.deliveries(envelope_id)]

    def _current(self) -> _Link | None:
        return next((link for link in reversed(self._links) if link.state == "open"), None)

    def _push_for(self, envelope_id: str) -> _Push:
        push_id = self._push_of.get(envelope_id, envelope_id)
        if push_id not in self._pushes:
            raise KeyError(f"unknown envelope {envelope_id!r} (pushed before reset()?)")
        return self._pushes[push_id]

    def _send(self, link: _Link, message: dict[str, Any]) -> bool:
        try:
            link.ws.send(json.dumps(message))
            return True
        except ConnectionClosed:
            self._lose(link)
            return False

    def _flush(self) -> None:
        """Send waiting envelopes to the newest open connection (Slack spreads them; one is enough here)."""
        while self._pending and (link := self._current()) is not None:
            push = self._pushes[self._pending[0]]
            number = len(push.deliveries)
            envelope_id = push.id if number == 0 else str(uuid.uuid4())
            delivery = Delivery(
                envelope_id,
                push.id,
                push.type,
                push.payload,
                push.retry_attempt + number,
                push.retry_reason if number == 0 else RETRY_REASON,
                link.number,
            )
            envelope = {
                "envelope_id": envelope_id,
                "type": push.type,
                "payload": push.payload,
                "accepts_response_payload": ENVELOPE_TYPES[push.type],
                "retry_attempt": delivery.retry_attempt,
                "retry_reason": delivery.retry_reason,
            }
            self._sent_at[envelope_id] = time.monotonic()
            if not self._send(link, envelope):
                continue  # that connection is gone; try the next
            self._pending.pop(0)
            push.deliveries.append(envelope_id)
            self._push_of[envelope_id] = push.id
            self._deliveries.append(delivery)
            link.unacked.add(envelope_id)
            self._cond.notify_all()

    def _lose(self, link: _Link) -> None:
        """The connection is gone: what it left unacknowledged waits for a retry, where Slack retries."""
        if link.state == "closed":
            return
        link.state = "closed"
        self._links.remove(link)
        for envelope_id in sorted(link.unacked, key=self._sent_at.__getitem__):
            push = self._pushes[self._push_of[envelope_id]]
            retry = push.type in self.retried_types and len(push.deliveries) <= MAX_RETRIES
            if retry and not push.acks and push.id not in self._pending:
                self._pending.append(push.id)
        link.unacked.clear()
        self._cond.notify_all()


def _reset_tcp(ws: ServerConnection) -> None:
    """Abort the TCP connection: a reset (RST) with no close frame and no FIN before it.

    A bare reset, because slack_sdk's builtin client reads a FIN as endless empty reads (a busy loop) and
    notices only after five failed pings, while a reset fails its blocked read at once.
    """
    try:
        ws.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Closing it here, before waking websockets' reader, keeps that reader from sending a FIN first
        # (it shuts the socket down for writing when it sees the end).
        ws.socket.close()
    except OSError:
        pass  # already closed
    ws.close_socket()  # wakes the reader, which then ends the connection's handler
