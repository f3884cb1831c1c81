"""A real HTTP emulator of the parts of the Slack Web API this bot uses (stdlib only).

Point slack_sdk at it with ``WebClient(token=BOT_TOKEN, base_url=emu.url)``. Behaviour follows Slack's
method reference (docs.slack.dev / api.slack.com) where it is documented; guesses are marked "GUESS".

Faithful details worth knowing:
* Slack answers API errors with HTTP 200 and ``{"ok": false, "error": ...}`` (only rate limits are 429).
* Missing required scalar args answer ``invalid_arguments`` with ``response_metadata.messages`` such as
  ``"[ERROR] missing required field: user"``; a missing ``channel`` answers ``channel_not_found``.
* ``chat.postMessage`` truncates ``text`` over 40,000 chars and warns ``message_truncated`` (changelog
  2018-04 "Truncating really long messages"); it does not error with ``msg_too_long`` for that.
* ``thread_ts`` pointing at no message is not a documented error: Slack answers ok (the reply is
  orphaned). Set ``strict_threads = True`` to get an emulator-only ``thread_not_found`` instead.

Socket Mode: ``apps.connections.open`` (app-level token ``APP_TOKEN``) issues one-time ``ws://`` URLs of a
WebSocket server that starts and stops with the emulator; ``emu.socket_mode`` (emulator/socket_mode.py, which
needs the ``websockets`` package) pushes envelopes and records the app's acks.

Opt-in: ``enforce_rate_limits()`` makes the emulator hold calls to Slack's documented rate limits and answer
``429`` + ``Retry-After`` past them (see ``RateLimits``). Off by default and after ``reset()``.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import math
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from emulator.socket_mode import SocketModeServer

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test-app-token"  # app-level token with connections:write, for Socket Mode
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
APP_ID = "A0001"
TEAM_ID = "T0001"
TEAM_NAME = "Test Team"
TEAM_DOMAIN = "testteam"

MAX_MESSAGE_BLOCKS = 50  # Block Kit: up to 50 blocks per message
MAX_VIEW_BLOCKS = 100  # modal/home view objects: max 100 blocks
MAX_TEXT_CHARS = 40_000  # longer message text is truncated, with a warning
MAX_ATTACHMENTS = 100  # too_many_attachments
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_BYTES = 250 * 1024  # view_too_large: "greater than 250kb"
MAX_VIEW_LABEL = 24  # title / submit / close plain_text
MAX_IDENTIFIER = 255  # callback_id / external_id
MAX_CONVERSATION_USERS = 8  # conversations.open: "Needs at most 8 users"
RESPONSE_URL_MAX_POSTS = 5  # "up to 5 times within 30 minutes"
RESPONSE_URL_TTL = 30 * 60
TRIGGER_ID_RE = re.compile(r"^\d+\.\d+\.[0-9A-Za-z]+$")  # documented shape "132456.7890123.abcdef"

_TZ_LABELS = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "UTC": "Coordinated Universal Time",
}
# Methods that take the app-level token (xapp-) and refuse others; every other method refuses it.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Call:
    """One recorded Web API request and the answer the emulator gave."""

    method: str
    args: dict[str, Any]
    token: str | None
    http_status: int
    response: dict[str, Any]
    at: float
    injected: bool = False  # produced by fail_next / set_fault_rate

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url; ``http_status`` != 200 means the emulator refused it."""

    url: str
    payload: dict[str, Any]
    http_status: int
    at: float


@dataclass
class _Conversation:
    id: str
    kind: str  # "im" | "mpim" | "channel"
    members: list[str] | None  # None: membership unknown (plain channels added by tests)
    created: int
    name: str
    messages: list[dict[str, Any]]


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int
    error: str | None


@dataclass
class _Hold:
    method: str
    remaining: int
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class _ApiError(Exception):
    def __init__(self, error: str, *messages: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}
        if messages:
            self.body["response_metadata"] = {"messages": list(messages)}


def _fail(error: str, *messages: str) -> _ApiError:
    return _ApiError(error, *messages)


def _missing(name: str, pointer: str = "") -> _ApiError:
    where = f" [json-pointer:{pointer}]" if pointer else ""
    return _ApiError("invalid_arguments", f"[ERROR] missing required field: {name}{where}")


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _parse_body(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
    """Normalise query string + form/JSON body into one args dict (JSON strings decoded)."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if raw:
        if not ctype:
            raise _fail("missing_post_type")
        if ctype == "application/json":
            try:
                data = json.loads(raw)
            except ValueError:
                raise _fail("invalid_json") from None  # GUESS: Slack's answer to a malformed JSON body
            if not isinstance(data, dict):
                raise _fail("invalid_json")
            args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "text/plain"):
            args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        else:  # multipart/form-data is valid for Slack but only used for file uploads; not emulated
            raise _fail("invalid_post_type")
    for key in ("blocks", "attachments", "view"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):  # else left as a string: handlers answer the format error
                args[key] = json.loads(args[key])
    return args


def _tz_info(tz: str) -> tuple[str, int]:
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    abbrev = now.tzname() or tz
    return _TZ_LABELS.get(abbrev, abbrev), int(offset.total_seconds()) if offset else 0


# ---------------------------------------------------------------------------------------------------
# Opt-in rate limits (``SlackEmulator.enforce_rate_limits``)


def _tiers() -> dict[str, int]:
    # Each method's tier, from its reference page: conversations.open Tier 3, users.info Tier 4,
    # chat.update Tier 3. Tier 3 allows "50+ per minute", Tier 4 "100+ per minute" ("Rate limits").
    return {"conversations.open": 50, "users.info": 100, "chat.update": 50}


@dataclass(frozen=True)
class RateLimits:
    """Slack's rate limits as token buckets: each allows ``burst`` calls at once, then refills evenly.

    Documented (docs.slack.dev "Rate limits", "chat.postMessage"): limits apply per method, per app, per
    workspace, in per-minute windows, and Slack answers HTTP 429 with ``Retry-After`` (seconds). A Tier
    method allows its tier's calls per minute; chat.postMessage "will generally allow an app to post 1
    message per second to a specific channel", plus a workspace-wide limit of "several hundred messages per
    minute" with "generous burst behavior". Slack publishes no burst size and no workspace figure, so
    the burst sizes and ``post_per_workspace_per_minute`` are GUESSes (600/min, i.e. 10 a second).
    """

    post_per_channel_per_second: float = 1.0
    post_channel_burst: int = 3  # GUESS: "short bursts >1 allowed"
    post_per_workspace_per_minute: int = 600  # GUESS: "several hundred messages per minute"
    post_workspace_burst: int = 20  # GUESS: "generous burst behavior"
    # Tier methods, calls per minute. GUESS: bursts of a minute's allowance ("sporadic bursts are welcome").
    per_minute: Mapping[str, int] = field(default_factory=_tiers)

    def minimum_seconds(self, posts_per_channel: Mapping[str, int]) -> float:
        """The least time chat.postMessage needs for these posts (channel -> count), from full buckets."""
        total = sum(posts_per_channel.values())
        workspace = max(0, total - self.post_workspace_burst) / (self.post_per_workspace_per_minute / 60)
        busiest = max(posts_per_channel.values(), default=0)
        channel = max(0, busiest - self.post_channel_burst) / self.post_per_channel_per_second
        return max(workspace, channel)


class _Bucket:
    def __init__(self, per_second: float, burst: int, now: float) -> None:
        self.per_second, self.burst = per_second, burst
        self.tokens, self.at = float(burst), now

    def wait(self, now: float) -> float:
        """Seconds until a call fits (0: now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: SlackEmulator


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.emulator._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


class SlackEmulator:
    """Slack Web API emulator on 127.0.0.1, serving ``/api/<method>`` and ``/response/<id>``.

    It listens on ``port``, or on a free port when that is 0 (the default); Socket Mode takes a free one.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, port: int = 0) -> None:
        self.clock = clock  # used for response_url expiry and message ts
        self.port = port
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.socket_mode = SocketModeServer(APP_ID)
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.push": self._views_open,  # same contract: a modal exchanged for a trigger
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "apps.connections.open": self._apps_connections_open,
        }
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> SlackEmulator:
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), _RequestHandler)
            self._server.emulator = self
            serve = self._server.serve_forever
            self._thread = threading.Thread(target=lambda: serve(poll_interval=0.05), daemon=True)
            self._thread.start()
            self.socket_mode.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.socket_mode.stop()
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; slack-sdk appends the method name."""
        return f"{self.base}/api/"

    def reset(self) -> None:
        """Forget calls, faults, users (but the bot), conversations, views, response URLs; default token."""
        with self._cond:
            self.valid_tokens: set[str] = {BOT_TOKEN}
            self.valid_app_tokens: set[str] = {APP_TOKEN}
            self.socket_mode.reset()
            self.strict_threads = False
            self.latency = 0.0  # seconds every Web API and response_url answer waits (set_latency)
            self._calls: list[Call] = []
            self._users: dict[str, dict[str, Any]] = {}
            self.add_user(BOT_USER_ID, "oneonone", tz="America/Los_Angeles", is_bot=True, real_name="1:1 Bot")
            self._convs: dict[str, _Conversation] = {}
            self._conv_by_members: dict[frozenset[str], str] = {}
            self._ephemerals: list[dict[str, Any]] = []
            self._views: dict[str, dict[str, Any]] = {}
            self._home_views: dict[str, str] = {}
            self._used_triggers: set[str] = set()
            self._faults: dict[str, list[_Fault]] = {}
            self._fault_rate: tuple[float, float, int] = (0.0, 0.0, 0)
            self._rng = random.Random(0)
            self._limits: RateLimits | None = None
            self._limit_clock: Callable[[], float] = time.monotonic
            self._buckets: dict[tuple[str, str], _Bucket] = {}
            self._response_urls: dict[str, dict[str, Any]] = {}
            self._response_posts: list[ResponsePost] = []
            self._seq = itertools.count(1)
            self._last_ts_us = 0
            if getattr(self, "_hold", None) is not None:
                self._hold.release.set()  # never leave a held request hanging across tests
            self._hold: _Hold | None = None
            self._cond.notify_all()

    def set_latency(self, seconds: float) -> None:
        """Answer every Web API call and response_url post `seconds` late, after doing its work.

        Slack's answers are not always quick; an app that waits for one before acknowledging a
        request misses Slack's 3-second deadline.
        """
        self.latency = seconds

    # ------------------------------------------------------------------ test set-up helpers
    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        tz: str = "America/New_York",
        tz_label: str | None = None,
        tz_offset: int | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
    ) -> dict[str, Any]:
        """Register a workspace member; tz_label/tz_offset default to the zone's values right now."""
        label, offset = _tz_info(tz)
        name = name or user_id.lower()
        record = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": deleted,
            "real_name": real_name or name.title(),
            "tz": tz,
            "tz_label": tz_label if tz_label is not None else label,
            "tz_offset": tz_offset if tz_offset is not None else offset,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.clock()),
        }
        with self._cond:
            self._users[user_id] = record
        return self._user_object(record)

    def add_channel(self, channel_id: str, members: list[str] | None = None, name: str | None = None) -> None:
        """Register a plain channel the bot can post to; ``members=None`` means membership is unknown."""
        with self._cond:
            self._convs[channel_id] = _Conversation(
                channel_id, "channel", members, int(self.clock()), name or channel_id.lower(), []
            )

    def open_dm(self, user_id: str) -> str:
        """Open (or find) the bot's IM with a registered user, as conversations.open would; returns its id."""
        with self._cond:
            if user_id not in self._users:
                raise KeyError(f"unknown user {user_id!r}; add_user() first")
            return self._open([user_id])[0].id

    def add_message(
        self, channel: str, user_id: str, text: str, ts: str | None = None, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message written by a person (e.g. the DM a test event claims the user sent)."""
        with self._cond:
            try:
                conv = self._resolve_channel(channel)
            except _ApiError:
                raise KeyError(f"unknown conversation {channel!r}") from None
            msg = {"type": "message", "user": user_id, "text": text, "ts": ts or self._next_ts()}
            if thread_ts:
                msg["thread_ts"] = thread_ts
            conv.messages.append(msg)
            return copy.deepcopy(msg)

    def new_response_url(self) -> str:
        """Issue a response_url served by this emulator (5 posts within 30 minutes)."""
        path = f"/response/{uuid.uuid4().hex}"
        with self._cond:
            self._response_urls[path] = {"issued": self.clock(), "posts": 0}
        return self.base + path

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` ("*" = any) fail.

        429 -> ``Retry-After`` header + ``ratelimited``; 5xx -> that status with an error body;
        200 with ``error`` -> ``{"ok": false, "error": error}`` (e.g. ``account_inactive``).
        """
        if status == 200 and not error:
            raise ValueError("status=200 faults need an error code")
        with self._cond:
            self._faults.setdefault(method, []).extend([_Fault(status, retry_after, error)] * times)

    def hold_after(self, method: str, count: int) -> threading.Event:
        """Do the call to ``method`` after ``count`` more successful ones, but hold back its answer.

        The message is posted (as Slack would have), the caller just never hears so, until
        ``release_held()``: the state of a request in flight when its process dies. Returns an
        Event that is set once a call is being held.
        """
        with self._cond:
            self._hold = _Hold(method, count)
            return self._hold.holding

    def release_held(self) -> None:
        with self._cond:
            if self._hold is not None:
                self._hold.release.set()

    def _hold_for(self, method: str, ok: bool) -> _Hold | None:
        with self._cond:
            hold = self._hold
            if hold is None or hold.method != method or not ok or hold.holding.is_set():
                return None
            if hold.remaining > 0:
                hold.remaining -= 1
                return None
            hold.holding.set()
            return hold

    def set_fault_rate(
        self, rate_429: float = 0.0, rate_500: float = 0.0, seed: int = 0, retry_after: int = 0
    ) -> None:
        """Fail a random share of all API calls (seeded, so runs are reproducible)."""
        with self._cond:
            self._fault_rate = (rate_429, rate_500, retry_after)
            self._rng = random.Random(seed)

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                return queue.pop(0)
        rate_429, rate_500, retry_after = self._fault_rate
        if rate_429 or rate_500:
            roll = self._rng.random()
            if roll < rate_429:
                return _Fault(429, retry_after, None)
            if roll < rate_429 + rate_500:
                return _Fault(500, 0, None)
        return None

    # ------------------------------------------------------------------ rate limits (opt-in)
    def enforce_rate_limits(
        self, limits: RateLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> RateLimits:
        """Answer 429 + ``Retry-After`` past Slack's rate limits from now on (full buckets to start with).

        ``clock`` (seconds, monotonic) lets a test move time instead of sleeping. Rejected calls use no
        allowance. Injected faults still come first; ``reset()`` or ``stop_enforcing_rate_limits()`` end it.
        """
        with self._cond:
            self._limits = limits or RateLimits()
            self._limit_clock = clock
            self._buckets = {}
            return self._limits

    def stop_enforcing_rate_limits(self) -> None:
        with self._cond:
            self._limits = None
            self._buckets = {}

    def _retry_after(self, method: str, args: dict[str, Any]) -> int | None:
        """None when the call fits Slack's limits (and is counted), else whole seconds to wait."""
        limits = self._limits
        if limits is None:
            return None
        now = self._limit_clock()
        buckets: list[_Bucket] = []
        if method == "chat.postMessage":
            per_minute = limits.post_per_workspace_per_minute
            buckets.append(self._bucket(method, "", per_minute / 60, limits.post_workspace_burst, now))
            channel = self._channel_key(args.get("channel"))
            rate, burst = limits.post_per_channel_per_second, limits.post_channel_burst
            buckets.append(self._bucket(method, channel, rate, burst, now))
        elif method in limits.per_minute:
            per_minute = limits.per_minute[method]
            buckets.append(self._bucket(method, "", per_minute / 60, per_minute, now))
        wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))  # Slack's Retry-After is whole seconds
        for bucket in buckets:
            bucket.tokens -= 1
        return None

    def _bucket(self, method: str, key: str, per_second: float, burst: int, now: float) -> _Bucket:
        bucket = self._buckets.get((method, key))
        if bucket is None:
            bucket = self._buckets[(method, key)] = _Bucket(per_second, burst, now)
        return bucket

    def _channel_key(self, channel: Any) -> str:
        """One key per conversation: a user id and the id of the DM it posts to share a limit."""
        channel = str(channel or "")
        conv = self._convs.get(channel)
        if conv is not None and conv.kind == "im":
            return f"im:{conv.name}"
        return f"im:{channel}" if channel in self._users else channel

    # ------------------------------------------------------------------ inspection
    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda call: True,
        count: int = 1,
        timeout: float = 5.0,
        *,
        include_errors: bool = False,
    ) -> list[Call]:
        """Block until ``count`` ok (or, with include_errors, any non-injected) matching calls exist."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matched = [
                    c
                    for c in self._calls
                    if c.method == method and not c.injected and (include_errors or c.ok) and predicate(c)
                ]
                if len(matched) >= count:
                    return matched
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(method, count, len(matched), timeout))
                self._cond.wait(remaining)

    def _timeout_report(self, method: str, count: int, got: int, timeout: float) -> str:
        lines = [f"timed out after {timeout}s waiting for {count} ok {method} call(s); {got} matched."]
        lines.append(f"Recorded calls ({len(self._calls)}):" if self._calls else "No calls were recorded.")
        for i, c in enumerate(self._calls):
            args = json.dumps(c.args, default=str)
            outcome = "ok" if c.ok else f"error={c.response.get('error')}"
            tag = " (injected)" if c.injected else ""
            lines.append(f"  [{i}] {c.method} http={c.http_status} {outcome}{tag} args={args[:200]}")
        return "\n".join(lines)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Stored messages (top-level and replies, in post order) of a conversation."""
        with self._cond:
            conv = self._convs.get(channel)
            return copy.deepcopy(conv.messages) if conv else []

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [copy.deepcopy(m) for m in self._ephemerals if channel is None or m["channel"] == channel]

    def dm_channel_for(self, user_id: str) -> str | None:
        """The IM channel id between the bot and ``user_id``, if one was opened (None otherwise)."""
        with self._cond:
            return self._conv_by_members.get(frozenset([user_id]))

    def members(self, channel: str) -> list[str] | None:
        with self._cond:
            conv = self._convs.get(channel)
            return list(conv.members) if conv and conv.members is not None else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._cond:
            view_id = self._home_views.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def response_posts(self, url: str | None = None) -> list[ResponsePost]:
        with self._cond:
            return [p for p in self._response_posts if url is None or p.url == url]

    def wait_for_response_posts(
        self, count: int = 1, url: str | None = None, timeout: float = 5.0
    ) -> list[ResponsePost]:
        """Block until ``count`` accepted posts (to ``url``, or any) were recorded."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                posts = [p for p in self.response_posts(url) if p.http_status == 200]
                if len(posts) >= count:
                    return posts
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {count} response_url post(s); got {posts!r}")
                self._cond.wait(remaining)

    # ------------------------------------------------------------------ HTTP plumbing
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        headers: dict[str, str] = {}
        if parts.path.startswith("/api/"):
            method = parts.path[len("/api/") :]
            status, body, headers = self._api(method, req, raw, parts.query)
            data = json.dumps(body).encode()
            ctype = "application/json; charset=utf-8"
            hold = self._hold_for(method, bool(body.get("ok")))
            if hold is not None:
                hold.release.wait(60)
        elif parts.path.startswith("/response/"):
            status, text = self._response_post(parts.path, raw)
            data, ctype = text.encode(), "text/plain; charset=utf-8"
        else:
            status, data, ctype = 404, b"not found", "text/plain"
        if self.latency:
            # Slack has done the work but answers late, as on a slow day (see set_latency).
            threading.Event().wait(self.latency)
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            req.send_header(key, value)
        req.end_headers()
        # The caller may be gone (a killed process): Slack would not notice either.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.wfile.write(data)

    def _api(
        self, method: str, req: BaseHTTPRequestHandler, raw: bytes, query: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, headers, injected = 200, {}, False
        args: dict[str, Any] = {}
        token: str | None = None
        with self._cond:
            try:
                args = _parse_body(req.headers.get("Content-Type", ""), raw, query)
                auth = req.headers.get("Authorization", "")
                form_token = args.pop("token", None)
                token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else form_token
                handler = self._handlers.get(method)
                if handler is None:
                    raise _fail("unknown_method")
                fault = self._take_fault(method)
                if fault is not None:
                    injected, status = True, fault.status
                    if fault.status == 429:
                        headers["Retry-After"] = str(fault.retry_after)
                    raise _fail(fault.error or _STATUS_ERRORS.get(fault.status, "fatal_error"))
                if not token:
                    raise _fail("not_authed")
                self._check_token(method, token)
                retry_after = self._retry_after(method, args)
                if retry_after is not None:
                    status, headers["Retry-After"] = 429, str(retry_after)
                    raise _fail("ratelimited")
                body = {"ok": True, **handler(args)}
            except _ApiError as exc:
                body = exc.body
            except Exception as exc:  # an emulator bug: answer like a Slack outage, but say why
                status, body = 500, {"ok": False, "error": "internal_error", "emulator_exception": repr(exc)}
            self._calls.append(Call(method, args, token, status, body, time.time(), injected))
            self._cond.notify_all()
        return status, body, headers

    def _response_post(self, path: str, raw: bytes) -> tuple[int, str]:
        # Slack documents the 5-posts-in-30-minutes limit but not the answer past it. GUESS: as for incoming
        # webhooks, errors are plain-text codes: 404 used_url / expired_url, 400 invalid_payload / no_text.
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        with self._cond:
            entry = self._response_urls.get(path)
            if not isinstance(payload, dict):
                status, text = 400, "invalid_payload"
            elif entry is None or self.clock() - entry["issued"] > RESPONSE_URL_TTL:
                status, text = 404, "expired_url"
            elif entry["posts"] >= RESPONSE_URL_MAX_POSTS:
                status, text = 404, "used_url"
            elif not (
                payload.get("text")
                or payload.get("blocks")
                or payload.get("attachments")
                or _truthy(payload.get("delete_original"))
            ):
                status, text = 400, "no_text"
            else:
                entry["posts"] += 1
                status, text = 200, "ok"
            self._response_posts.append(ResponsePost(self.base + path, payload or {}, status, time.time()))
            self._cond.notify_all()
        return status, text

    # ------------------------------------------------------------------ shared helpers
    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._seq):08d}"

    def _next_ts(self) -> str:
        self._last_ts_us = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _user_object(self, rec: dict[str, Any]) -> dict[str, Any]:
        profile = {
            "real_name": rec["real_name"],
            "display_name": rec["name"],
            "real_name_normalized": rec["real_name"],
            "display_name_normalized": rec["name"],
            "team": TEAM_ID,
        }
        return {**copy.deepcopy(rec), "profile": profile}

    def _open(self, user_ids: list[str]) -> tuple[_Conversation, bool]:
        key = frozenset(user_ids)
        existing = self._conv_by_members.get(key)
        if existing:
            return self._convs[existing], True
        kind = "im" if len(user_ids) == 1 else "mpim"
        conv_id = self._new_id("D" if kind == "im" else "G")  # docs use G... ids for mpims
        name = user_ids[0] if kind == "im" else "mpdm-" + "--".join([BOT_USER_ID, *user_ids]).lower() + "-1"
        conv = _Conversation(conv_id, kind, [*user_ids, BOT_USER_ID], int(self.clock()), name, [])
        self._convs[conv_id] = conv
        self._conv_by_members[key] = conv_id
        return conv, False

    def _resolve_channel(self, channel: Any, *, allow_user_id: bool = True) -> _Conversation:
        conv = self._convs.get(str(channel)) if channel else None
        if conv is not None:
            return conv
        user = self._users.get(str(channel)) if channel and allow_user_id else None
        if user is not None and not user["deleted"]:
            return self._open([user["id"]])[0]  # a user id posts to the app's DM with that user
        raise _fail("channel_not_found")

    @staticmethod
    def _content(args: dict[str, Any]) -> tuple[list[Any] | None, list[Any] | None]:
        blocks, attachments = args.get("blocks"), args.get("attachments")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise _fail("invalid_blocks_format")
            if len(blocks) > MAX_MESSAGE_BLOCKS:
                raise _fail(
                    "invalid_blocks",
                    f"[ERROR] no more than {MAX_MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]",
                )
            for i, block in enumerate(blocks):
                if not isinstance(block, dict) or not block.get("type"):
                    raise _fail(
                        "invalid_blocks", f"[ERROR] missing required field: type [json-pointer:/blocks/{i}]"
                    )
        if attachments is not None:
            if not isinstance(attachments, list):
                raise _fail("invalid_attachments")
            if len(attachments) > MAX_ATTACHMENTS:
                raise _fail("too_many_attachments")
        return blocks, attachments

    @staticmethod
    def _text(args: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        text = args.get("text")
        if text is None:
            return None, {}
        text = str(text)
        if len(text) <= MAX_TEXT_CHARS:
            return text, {}
        warning = {
            "response_metadata": {
                "messages": [
                    "[WARN] Your message was truncated but still posted. The `text` field accepts up to "
                    "40,000 characters."
                ],
                "warnings": ["message_truncated"],
            }
        }
        return text[:MAX_TEXT_CHARS], warning

    def _check_token(self, method: str, token: str) -> None:
        # A known token of the wrong kind answers not_allowed_token_type (apps.connections.open's reference
        # lists it for a bot token); an unknown token invalid_auth.
        wanted, other = (
            (self.valid_app_tokens, self.valid_tokens)
            if method in _APP_TOKEN_METHODS
            else (self.valid_tokens, self.valid_app_tokens)
        )
        if token in other:
            raise _fail("not_allowed_token_type")
        if token not in wanted:
            raise _fail("invalid_auth")

    # ------------------------------------------------------------------ method handlers
    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode.new_url()}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "oneonone",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            raise _missing("user")
        rec = self._users.get(str(user_id))
        if rec is None:
            raise _fail("user_not_found")
        return {"user": self._user_object(rec)}

    def _channel_object(self, conv: _Conversation, full: bool) -> dict[str, Any]:
        if not full:
            return {"id": conv.id}
        obj: dict[str, Any] = {
            "id": conv.id,
            "created": conv.created,
            "is_im": conv.kind == "im",
            "is_mpim": conv.kind == "mpim",
            "is_org_shared": False,
            "is_open": True,
            "last_read": "0000000000.000000",
            "latest": None,
            "unread_count": 0,
            "unread_count_display": 0,
            "priority": 0,
        }
        if conv.kind == "im":
            obj["user"] = conv.name
        else:
            obj.update(name=conv.name, is_group=False)
        return obj

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        full = _truthy(args.get("return_im"))
        users = args.get("users")
        if not users:
            channel = args.get("channel")
            if not channel:
                raise _fail("users_list_not_supplied")
            conv = self._convs.get(str(channel))
            if conv is None:
                raise _fail("channel_not_found")
            if conv.kind == "channel":
                raise _fail("method_not_supported_for_channel_type")
            return {"no_op": True, "already_open": True, "channel": self._channel_object(conv, full)}
        ids = users if isinstance(users, list) else str(users).split(",")
        # The caller is added implicitly ("Don't include the ID of the user you're calling ... on behalf of").
        user_ids = [u for u in dict.fromkeys(str(u).strip() for u in ids) if u and u != BOT_USER_ID]
        if not user_ids:
            raise _fail("users_list_not_supplied")
        if len(user_ids) > MAX_CONVERSATION_USERS:
            raise _fail("too_many_users")
        for user_id in user_ids:
            rec = self._users.get(user_id)
            if rec is None:
                raise _fail("user_not_found")
            if rec["deleted"]:
                raise _fail("user_disabled")
        conv, existed = self._open(user_ids)
        extra = {"no_op": True, "already_open": True} if existed else {}
        return {**extra, "channel": self._channel_object(conv, full)}

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        conv = self._resolve_channel(args.get("channel"))
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if not (text or blocks or attachments):
            raise _fail("no_text")
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        parent = next((m for m in conv.messages if m["ts"] == thread_ts), None) if thread_ts else None
        if thread_ts and parent is None and self.strict_threads:
            raise _fail("thread_not_found")  # emulator-only; real Slack answers ok and orphans the reply
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": text or "",
            "ts": self._next_ts(),
        }
        if blocks:
            msg["blocks"] = blocks
        if attachments:
            msg["attachments"] = attachments
        if thread_ts:
            msg["thread_ts"] = thread_ts
            if parent is not None:
                msg["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
        conv.messages.append(msg)
        return {"channel": conv.id, "ts": msg["ts"], "message": copy.deepcopy(msg), **warning}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        conv = self._resolve_channel(args.get("channel"))
        user = args.get("user")
        if not user:
            raise _missing("user")
        if conv.members is not None and user not in conv.members:
            raise _fail("user_not_in_channel")
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if not (text or blocks or attachments):
            raise _fail("no_text")
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": conv.id,
                "user": user,
                "text": text or "",
                "blocks": blocks,
                "attachments": attachments,
                "thread_ts": args.get("thread_ts"),
                "ts": ts,
            }
        )
        return {"message_ts": ts, **warning}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        # Docs: channel must be the conversation id (D...), not a user id.
        conv = self._resolve_channel(args.get("channel"), allow_user_id=False)
        ts = str(args.get("ts") or "")
        msg = next((m for m in conv.messages if m["ts"] == ts), None)
        if msg is None:
            raise _fail("message_not_found")
        if msg.get("bot_id") != BOT_ID:
            raise _fail("cant_update_message")
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if text is None and blocks is None and attachments is None:
            raise _fail("no_text")
        if text is not None:
            msg["text"] = text
        # Docs: blocks/attachments left out are retained; an empty array removes them.
        for key, value in (("blocks", blocks), ("attachments", attachments)):
            if value:
                msg[key] = value
            elif value is not None:
                msg.pop(key, None)
        msg["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": conv.id, "ts": ts, "text": msg["text"], "message": copy.deepcopy(msg), **warning}

    def _checked_view(self, args: dict[str, Any], allowed_type: str) -> dict[str, Any]:
        view = args.get("view")
        if view is None:
            raise _missing("view")
        if not isinstance(view, dict):
            raise _fail("invalid_arguments", "[ERROR] failed to parse view: expected a JSON object")
        if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
            raise _fail("view_too_large")
        if view.get("type") != allowed_type:
            raise _fail("invalid_arguments", f"[ERROR] must be {allowed_type} [json-pointer:/view/type]")
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            raise _missing("blocks", "/view")
        if len(blocks) > MAX_VIEW_BLOCKS:
            raise _fail(
                "invalid_arguments",
                f"[ERROR] no more than {MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]",
            )
        if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
            raise _fail(
                "invalid_arguments",
                f"[ERROR] must be less than {MAX_PRIVATE_METADATA + 1} "
                "characters [json-pointer:/view/private_metadata]",
            )
        for key in ("callback_id", "external_id"):
            if len(str(view.get(key) or "")) > MAX_IDENTIFIER:
                raise _fail(
                    "invalid_arguments",
                    f"[ERROR] must be less than {MAX_IDENTIFIER + 1} characters [json-pointer:/view/{key}]",
                )
        if allowed_type == "modal":
            if not isinstance(view.get("title"), dict) or not view["title"].get("text"):
                raise _missing("title", "/view")
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            if has_input and not view.get("submit"):
                raise _missing("submit", "/view")  # "submit is required when an input block is within blocks"
            for key in ("title", "submit", "close"):
                label = view.get(key)
                if isinstance(label, dict) and len(str(label.get("text", ""))) > MAX_VIEW_LABEL:
                    raise _fail(
                        "invalid_arguments",
                        f"[ERROR] must be less than {MAX_VIEW_LABEL + 1} "
                        f"characters [json-pointer:/view/{key}/text]",
                    )
        return view

    def _exchange_trigger(self, args: dict[str, Any]) -> None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            raise _fail("invalid_arguments", "invalid `trigger_id`")  # the documented example answer
        if not TRIGGER_ID_RE.match(str(trigger)):
            raise _fail("invalid_trigger_id")
        if trigger in self._used_triggers:
            raise _fail("exchanged_trigger_id")
        self._used_triggers.add(str(trigger))

    def _store_view(
        self, view: dict[str, Any], view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        external_id = str(view.get("external_id") or "")
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise _fail("duplicate_external_id")
        view_id = view_id or self._new_id("V")
        old = self._views.get(view_id, {})
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view["blocks"],
            "private_metadata": str(view.get("private_metadata") or ""),
            "callback_id": str(view.get("callback_id") or ""),
            "external_id": external_id,
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": old.get("root_view_id", view_id),
            "previous_view_id": old.get("previous_view_id", previous),
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}

    def _find_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _fail("invalid_arguments", "[ERROR] either `view_id` or `external_id` is required")  # GUESS
        found = (
            self._views.get(str(view_id))
            if view_id
            else next((v for v in self._views.values() if v["external_id"] == external_id), None)
        )
        if found is None:
            raise _fail("not_found")
        if args.get("hash") and args["hash"] != found["hash"]:
            raise _fail("hash_conflict")
        return found

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, "modal")
        self._exchange_trigger(args)
        return self._store_view(view)

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self._find_view(args)
        view = self._checked_view(args, found["type"])
        return self._store_view(view, view_id=found["id"])

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id")
        if not user_id or user_id not in self._users:
            raise _fail("invalid_arguments", "invalid `user_id`")  # the documented example answer
        view = self._checked_view(args, "home")
        current = self._home_views.get(str(user_id))
        if current and args.get("hash") and args["hash"] != self._views[current]["hash"]:
            raise _fail("hash_conflict")
        result = self._store_view(view, view_id=current)
        self._home_views[str(user_id)] = result["view"]["id"]
        return result
