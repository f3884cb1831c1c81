"""What makes the emulated Slack misbehave on purpose: injected faults, held answers, opt-in rate limits.

Faults come first: ``fail_next`` queues answers per method, ``set_fault_rate`` fails a seeded share of all
calls, ``hold_after`` does a call but holds back its answer (``revoke_bot_token``, refusing a workspace's
bot tokens from then on, is in emulator/installs.py). ``enforce_rate_limits`` holds calls to Slack's
documented limits (per workspace) and answers ``429`` + ``Retry-After`` past them; off by default and after
``reset()``.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.workspace import Workspace


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int
    error: str | None


@dataclass
class Hold:
    method: str
    remaining: int
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Faults(Workspace):
    """``fail_next``, ``set_fault_rate`` and ``hold_after``: the emulator's own failures, on request."""

    def _reset_faults(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._fault_rate: tuple[float, float, int] = (0.0, 0.0, 0)
        self._rng = random.Random(0)
        if getattr(self, "_hold", None) is not None:
            self._hold.release.set()  # never leave a held request hanging across tests
        self._hold: Hold | None = None

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
            self._faults.setdefault(method, []).extend([Fault(status, retry_after, error)] * times)

    def hold_after(self, method: str, count: int) -> threading.Event:
        """Do the call to ``method`` after ``count`` more successful ones, but hold back its answer.

        The message is posted (as Slack would have), the caller just never hears so, until
        ``release_held()``: the state of a request in flight when its process dies. Returns an
        Event that is set once a call is being held.
        """
        with self._cond:
            self._hold = Hold(method, count)
            return self._hold.holding

    def release_held(self) -> None:
        with self._cond:
            if self._hold is not None:
                self._hold.release.set()

    def _hold_for(self, method: str, ok: bool) -> Hold | None:
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

    def _take_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                return queue.pop(0)
        rate_429, rate_500, retry_after = self._fault_rate
        if rate_429 or rate_500:
            roll = self._rng.random()
            if roll < rate_429:
                return Fault(429, retry_after, None)
            if roll < rate_429 + rate_500:
                return Fault(500, 0, None)
        return None


# ---------------------------------------------------------------------------------------------------
# Opt-in rate limits (``SlackEmulator.enforce_rate_limits``)


def _tiers() -> dict[str, int]:
    # Each method's tier, from its reference page: conversations.open Tier 3, users.info Tier 4,
    # chat.update Tier 3, views.open / views.push / views.update / views.publish Tier 4. Tier 3 allows
    # "50+ per minute", Tier 4 "100+ per minute" ("Rate limits"). chat.getPermalink's limit is "Special":
    # "hundreds of requests per minute"; GUESS: 200, the least that wording allows.
    tier_3, tier_4 = 50, 100
    return {
        "conversations.open": tier_3,
        "users.info": tier_4,
        "chat.update": tier_3,
        "views.open": tier_4,
        "views.push": tier_4,
        "views.update": tier_4,
        "views.publish": tier_4,
        "chat.getPermalink": 200,
    }


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


class Bucket:
    def __init__(self, per_second: float, burst: int, now: float) -> None:
        self.per_second, self.burst = per_second, burst
        self.tokens, self.at = float(burst), now

    def wait(self, now: float) -> float:
        """Seconds until a call fits (0: now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class RateLimiting(Workspace):
    """``enforce_rate_limits``: Slack's rate limits, held per method and per conversation."""

    def _reset_rate_limits(self) -> None:
        self._limits: RateLimits | None = None
        self._limit_clock: Callable[[], float] = time.monotonic
        self._buckets: dict[tuple[str, str, str], Bucket] = {}

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
        buckets: list[Bucket] = []
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

    def _bucket(self, method: str, key: str, per_second: float, burst: int, now: float) -> Bucket:
        # "Rate limits are applied per app per workspace": each installation has buckets of its own.
        grant = self._caller
        owner = (grant.team_id or grant.enterprise_id or "") if grant is not None else ""
        bucket = self._buckets.get((owner, method, key))
        if bucket is None:
            bucket = self._buckets[(owner, method, key)] = Bucket(per_second, burst, now)
        return bucket

    def _channel_key(self, channel: Any) -> str:
        """One key per conversation: a user id and the id of the DM it posts to share a limit."""
        channel = str(channel or "")
        conv = self._convs.get(channel)
        if conv is not None and conv.kind == "im":
            return f"im:{conv.name}"
        return f"im:{channel}" if channel in self._users else channel
