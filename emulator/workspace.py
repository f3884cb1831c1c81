"""What the emulated Slack holds, its members and conversations, and what every Web API method shares.

:class:`Workspace` is the base of :class:`emulator.web_api.SlackEmulator`: emulator/methods adds the Slack
methods, emulator/faults.py the injected faults and rate limits, emulator/server.py the HTTP side. Every
part reads and changes its state under ``_cond``.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emulator.ids import BOT_USER_ID, TEAM_ID

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


class ApiError(Exception):
    """A Web API error answer: ``{"ok": false, "error": ...}``, with ``response_metadata.messages``."""

    def __init__(self, error: str, *messages: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}
        if messages:
            self.body["response_metadata"] = {"messages": list(messages)}


def fail(error: str, *messages: str) -> ApiError:
    return ApiError(error, *messages)


def missing(name: str, pointer: str = "") -> ApiError:
    where = f" [json-pointer:{pointer}]" if pointer else ""
    return ApiError("invalid_arguments", f"[ERROR] missing required field: {name}{where}")


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def _tz_info(tz: str) -> tuple[str, int]:
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    abbrev = now.tzname() or tz
    return _TZ_LABELS.get(abbrev, abbrev), int(offset.total_seconds()) if offset else 0


@dataclass
class Conversation:
    id: str
    kind: str  # "im" | "mpim" | "channel"
    members: list[str] | None  # None: membership unknown (plain channels added by tests)
    created: int
    name: str
    messages: list[dict[str, Any]]


class Workspace:
    """The workspace's members (the bot among them) and conversations, and the ids and ts it hands out."""

    clock: Callable[[], float]  # used for response_url and trigger_id expiry and message ts
    _cond: threading.Condition

    def _reset_workspace(self) -> None:
        self._users: dict[str, dict[str, Any]] = {}
        self.add_user(BOT_USER_ID, "oneonone", tz="America/Los_Angeles", is_bot=True, real_name="1:1 Bot")
        self._convs: dict[str, Conversation] = {}
        self._conv_by_members: dict[frozenset[str], str] = {}
        self._seq = itertools.count(1)
        self._last_ts_us = 0

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
        status_text: str = "",
        status_emoji: str = "",
        status_expiration: int = 0,
    ) -> dict[str, Any]:
        """Register a workspace member; tz_label/tz_offset default to the zone's values right now. The
        status is in the profile as Slack sends it (``status_expiration`` a Unix time, 0 for none)."""
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
            "status": {"text": status_text, "emoji": status_emoji, "expiration": int(status_expiration)},
        }
        with self._cond:
            self._users[user_id] = record
        return self._user_object(record)

    def set_status(
        self, user_id: str, text: str = "", emoji: str = "", expiration: int = 0
    ) -> dict[str, Any]:
        """The member sets (or with no arguments clears) their status; returns the user object as a
        ``user_change`` event carries it."""
        with self._cond:
            rec = self._known_user(user_id)
            rec["status"] = {"text": text, "emoji": emoji, "expiration": int(expiration)}
            rec["updated"] = int(self.clock())
            return self._user_object(rec)

    def set_deleted(self, user_id: str, deleted: bool = True) -> dict[str, Any]:
        """The member's account is deactivated (or reactivated); returns the user object as a
        ``user_change`` event carries it. Posting into their DM then answers ``account_inactive``."""
        with self._cond:
            rec = self._known_user(user_id)
            rec["deleted"] = deleted
            rec["updated"] = int(self.clock())
            return self._user_object(rec)

    def user_object(self, user_id: str) -> dict[str, Any]:
        """A member as users.info (and the ``user_change`` event) shows them."""
        with self._cond:
            return self._user_object(self._known_user(user_id))

    def add_channel(self, channel_id: str, members: list[str] | None = None, name: str | None = None) -> None:
        """Register a plain channel the bot can post to; ``members=None`` means membership is unknown."""
        with self._cond:
            self._convs[channel_id] = Conversation(
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
            except ApiError:
                raise KeyError(f"unknown conversation {channel!r}") from None
            msg = {"type": "message", "user": user_id, "text": text, "ts": ts or self._next_ts()}
            if thread_ts:
                msg["thread_ts"] = thread_ts
            conv.messages.append(msg)
            return copy.deepcopy(msg)

    # ------------------------------------------------------------------ inspection
    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Stored messages (top-level and replies, in post order) of a conversation."""
        with self._cond:
            conv = self._convs.get(channel)
            return copy.deepcopy(conv.messages) if conv else []

    def dm_channel_for(self, user_id: str) -> str | None:
        """The IM channel id between the bot and ``user_id``, if one was opened (None otherwise)."""
        with self._cond:
            return self._conv_by_members.get(frozenset([user_id]))

    def members(self, channel: str) -> list[str] | None:
        with self._cond:
            conv = self._convs.get(channel)
            return list(conv.members) if conv and conv.members is not None else None

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
        status = rec.get("status") or {}
        # users.info's profile carries the status: "status_expiration" is 0 when it doesn't expire.
        profile.update(
            status_text=status.get("text", ""),
            status_emoji=status.get("emoji", ""),
            status_expiration=int(status.get("expiration", 0)),
        )
        record = {key: value for key, value in copy.deepcopy(rec).items() if key != "status"}
        return {**record, "profile": profile}

    def _known_user(self, user_id: str) -> dict[str, Any]:
        """A member's record; Slack's ``user_not_found`` for anyone else."""
        rec = self._users.get(user_id)
        if rec is None:
            raise fail("user_not_found")
        return rec

    def _open(self, user_ids: list[str]) -> tuple[Conversation, bool]:
        key = frozenset(user_ids)
        existing = self._conv_by_members.get(key)
        if existing:
            return self._convs[existing], True
        kind = "im" if len(user_ids) == 1 else "mpim"
        conv_id = self._new_id("D" if kind == "im" else "G")  # docs use G... ids for mpims
        name = user_ids[0] if kind == "im" else "mpdm-" + "--".join([BOT_USER_ID, *user_ids]).lower() + "-1"
        conv = Conversation(conv_id, kind, [*user_ids, BOT_USER_ID], int(self.clock()), name, [])
        self._convs[conv_id] = conv
        self._conv_by_members[key] = conv_id
        return conv, False

    def _resolve_channel(self, channel: Any, *, allow_user_id: bool = True) -> Conversation:
        conv = self._convs.get(str(channel)) if channel else None
        if conv is not None:
            if conv.kind == "im" and self._member_deactivated(conv):
                # GUESS (issue 15): the DM of a deactivated member answers account_inactive; a user id of one
                # stays channel_not_found below, as chat.postMessage's reference says.
                raise fail("account_inactive")
            return conv
        user = self._users.get(str(channel)) if channel and allow_user_id else None
        if user is not None and not user["deleted"]:
            return self._open([user["id"]])[0]  # a user id posts to the app's DM with that user
        raise fail("channel_not_found")

    def _member_deactivated(self, conv: Conversation) -> bool:
        return any(self._users[user]["deleted"] for user in conv.members or () if user in self._users)
