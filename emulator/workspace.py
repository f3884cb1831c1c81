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
from emulator.teams import DEFAULT_TEAM, Grant, Team, new_team

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
    team_id: str = TEAM_ID  # the workspace it belongs to: only tokens that reach it see it


class Workspace:
    """The workspaces (``TEAM_ID`` and any :meth:`add_workspace` added), their members (the bot among them)
    and conversations, and the ids and ts it hands out.

    A Web API call is answered as the workspace its token belongs to (``_caller``, set by emulator/server.py
    for the call): a member or conversation of another workspace is answered as Slack answers an id it does
    not know. Test helpers (no call) see everything.
    """

    clock: Callable[[], float]  # used for response_url and trigger_id expiry and message ts
    _cond: threading.Condition

    def _reset_workspace(self) -> None:
        self._teams: dict[str, Team] = {TEAM_ID: DEFAULT_TEAM}
        self._caller: Grant | None = None  # the token of the call being answered
        self._acted_team: str | None = None  # the workspace that call turned out to be about
        self._users: dict[str, dict[str, Any]] = {}
        self._add_bot_user(DEFAULT_TEAM)
        self._convs: dict[str, Conversation] = {}
        self._conv_by_members: dict[frozenset[str], str] = {}
        self._seq = itertools.count(1)
        self._last_ts_us = 0

    # ------------------------------------------------------------------ test set-up helpers
    def add_workspace(
        self,
        team_id: str,
        name: str,
        *,
        domain: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> Team:
        """Host another workspace (of the organization ``enterprise_id``, for Enterprise Grid); the app's bot
        user is a member of it. Tokens for it: ``add_bot_token`` or the OAuth flow."""
        team = new_team(team_id, name, domain, enterprise_id, enterprise_name)
        with self._cond:
            if team_id in self._teams:
                raise ValueError(f"workspace {team_id} exists already")
            self._teams[team_id] = team
            if team.bot_user_id not in self._users:  # an org's bot user is one for all its workspaces
                self._add_bot_user(team)
        return team

    def workspace(self, team_id: str) -> Team:
        with self._cond:
            found = self._teams.get(team_id)
        if found is None:
            raise KeyError(f"unknown workspace {team_id!r}; add_workspace() first")
        return found

    def workspaces(self) -> list[Team]:
        with self._cond:
            return list(self._teams.values())

    def _add_bot_user(self, team: Team) -> None:
        self.add_user(
            team.bot_user_id,
            "oneonone",
            tz="America/Los_Angeles",
            is_bot=True,
            real_name="1:1 Bot",
            team_id=team.id,
        )

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
        *,
        team_id: str = TEAM_ID,
    ) -> dict[str, Any]:
        """Register a member of the workspace ``team_id``; tz_label/tz_offset default to the zone's values
        right now. The status is in the profile as Slack sends it (``status_expiration`` a Unix time, 0 for
        none)."""
        self.workspace(team_id)  # a KeyError for a workspace never added
        label, offset = _tz_info(tz)
        name = name or user_id.lower()
        record = {
            "id": user_id,
            "team_id": team_id,
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

    def add_channel(
        self,
        channel_id: str,
        members: list[str] | None = None,
        name: str | None = None,
        *,
        team_id: str = TEAM_ID,
    ) -> None:
        """Register a plain channel of the workspace ``team_id`` the bot can post to; ``members=None`` means
        membership is unknown."""
        self.workspace(team_id)
        with self._cond:
            self._convs[channel_id] = Conversation(
                channel_id, "channel", members, int(self.clock()), name or channel_id.lower(), [], team_id
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
            "team": rec["team_id"],
        }
        status = rec.get("status") or {}
        # users.info's profile carries the status: "status_expiration" is 0 when it doesn't expire.
        profile.update(
            status_text=status.get("text", ""),
            status_emoji=status.get("emoji", ""),
            status_expiration=int(status.get("expiration", 0)),
        )
        record = {key: value for key, value in copy.deepcopy(rec).items() if key != "status"}
        team = self._teams[rec["team_id"]]
        if team.enterprise_id:  # users.info of a Grid member: "enterprise_user" (users.info reference)
            record["enterprise_user"] = {
                "id": rec["id"],
                "enterprise_id": team.enterprise_id,
                "enterprise_name": team.enterprise_name,
                "is_admin": False,
                "is_owner": False,
                "teams": [team.id],
            }
        return {**record, "profile": profile}

    def _known_user(self, user_id: str) -> dict[str, Any]:
        """A member's record; Slack's ``user_not_found`` for anyone else, or anyone of a workspace the
        call's token does not reach."""
        rec = self._users.get(user_id)
        if rec is None or not self._reaches(rec["team_id"]):
            raise fail("user_not_found")
        self._note_team(rec["team_id"])
        return rec

    def _reaches(self, team_id: str) -> bool:
        """Whether the call's token reaches the workspace: its own, or any of its organization's for an
        org-wide install. Without a call (a test's helper), every workspace."""
        grant = self._caller
        if grant is None or grant.team_id == team_id:
            return True
        team = self._teams.get(team_id)
        return grant.is_enterprise_install and team is not None and team.enterprise_id == grant.enterprise_id

    def _note_team(self, team_id: str) -> None:
        """The call is about this workspace (recorded in its Call; an org-wide token reaches several)."""
        if self._caller is not None and self._acted_team is None:
            self._acted_team = team_id

    def _team_of_user(self, user_id: str) -> str:
        """The member's workspace; the default one for an id the emulator doesn't know (a test's own)."""
        rec = self._users.get(user_id)
        return rec["team_id"] if rec is not None else TEAM_ID

    def _bot_user_of(self, team_id: str) -> str:
        return self._teams[team_id].bot_user_id

    def _caller_bot_user(self) -> str:
        """The bot user the call's token speaks as (the default workspace's without a call)."""
        return BOT_USER_ID if self._caller is None else self._grant_team(self._caller).bot_user_id

    def _grant_team(self, grant: Grant) -> Team:
        """The token's workspace; for an org-wide one, the first workspace of its organization."""
        if grant.team_id is not None:
            return self._teams[grant.team_id]
        return next(t for t in self._teams.values() if t.enterprise_id == grant.enterprise_id)

    def _open(self, user_ids: list[str]) -> tuple[Conversation, bool]:
        key = frozenset(user_ids)
        existing = self._conv_by_members.get(key)
        if existing:
            return self._convs[existing], True
        kind = "im" if len(user_ids) == 1 else "mpim"
        conv_id = self._new_id("D" if kind == "im" else "G")  # docs use G... ids for mpims
        team_id = self._users[user_ids[0]]["team_id"] if user_ids[0] in self._users else TEAM_ID
        bot = self._bot_user_of(team_id)
        name = user_ids[0] if kind == "im" else "mpdm-" + "--".join([bot, *user_ids]).lower() + "-1"
        conv = Conversation(conv_id, kind, [*user_ids, bot], int(self.clock()), name, [], team_id)
        self._convs[conv_id] = conv
        self._conv_by_members[key] = conv_id
        return conv, False

    def _resolve_channel(self, channel: Any, *, allow_user_id: bool = True) -> Conversation:
        conv = self._convs.get(str(channel)) if channel else None
        if conv is not None and self._reaches(conv.team_id):
            self._note_team(conv.team_id)
            if conv.kind == "im" and self._member_deactivated(conv):
                # GUESS (issue 15): the DM of a deactivated member answers account_inactive; a user id of one
                # stays channel_not_found below, as chat.postMessage's reference says.
                raise fail("account_inactive")
            return conv
        user = self._users.get(str(channel)) if channel and allow_user_id else None
        if user is not None and not user["deleted"] and self._reaches(user["team_id"]):
            self._note_team(user["team_id"])
            return self._open([user["id"]])[0]  # a user id posts to the app's DM with that user
        raise fail("channel_not_found")

    def _member_deactivated(self, conv: Conversation) -> bool:
        return any(self._users[user]["deleted"] for user in conv.members or () if user in self._users)
