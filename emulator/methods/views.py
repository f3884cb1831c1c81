"""``views.open``, ``views.push``, ``views.update`` and ``views.publish``: modals and App Home views.

A modal is exchanged for a ``trigger_id`` the emulator issued (:meth:`ViewMethods.new_trigger_id`), within
3 seconds of issue by the emulator's clock, once. A view is checked as Slack checks it (its size, type,
title, identifiers, and every block: emulator/blocks.py), stored with an id and a hash, and found again by id
or ``external_id``.
"""

from __future__ import annotations

import copy
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from emulator.blocks import view_errors
from emulator.ids import APP_ID, BOT_ID, TEAM_ID
from emulator.workspace import Workspace, fail, missing

MAX_VIEW_BYTES = 250 * 1024  # view_too_large: "greater than 250kb"
MAX_EXTERNAL_ID = 255  # "max length of 255 characters" (views.open); View checks callback_id's
# Bolt's "Opening modals": "Pass a valid trigger_id within 3 seconds of receiving it". Within: a trigger used
# exactly 3 s after issue still opens; later, views.open answers expired_trigger_id.
TRIGGER_TTL = 3.0


@dataclass
class IssuedTrigger:
    """A trigger_id the emulator put in a request it sent an app: for whom, when, and whether it was used."""

    user_id: str
    issued: float
    exchanged: bool = False


class ViewMethods(Workspace):
    def _reset_views(self) -> None:
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._triggers: dict[str, IssuedTrigger] = {}

    def new_trigger_id(self, user_id: str) -> str:
        """Issue a trigger id for `user_id`'s interaction, shaped as Slack documents: "132456.7890123.abcdef".

        ``views.open`` / ``views.push`` accept it once, within 3 s of now by :attr:`clock`.
        """
        with self._cond:
            now = self.clock()
            trigger_id = f"{int(now)}.{next(self._seq)}.{secrets.token_hex(8)}"
            self._triggers[trigger_id] = IssuedTrigger(user_id, now)
        return trigger_id

    def trigger(self, trigger_id: str) -> IssuedTrigger | None:
        """What the emulator knows of a trigger id: None for one it never issued."""
        with self._cond:
            found = self._triggers.get(trigger_id)
            return copy.copy(found) if found else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._cond:
            view_id = self._home_views.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def _checked_view(self, args: dict[str, Any], allowed_type: str) -> dict[str, Any]:
        view = args.get("view")
        if view is None:
            raise missing("view")
        if not isinstance(view, dict):
            raise fail("invalid_arguments", "[ERROR] failed to parse view: expected a JSON object")
        if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
            raise fail("view_too_large")
        if view.get("type") != allowed_type:
            raise fail("invalid_arguments", f"[ERROR] must be {allowed_type} [json-pointer:/view/type]")
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            raise missing("blocks", "/view")
        if len(str(view.get("external_id") or "")) > MAX_EXTERNAL_ID:
            limit = MAX_EXTERNAL_ID + 1
            raise fail(
                "invalid_arguments",
                f"[ERROR] must be less than {limit} characters [json-pointer:/view/external_id]",
            )
        if allowed_type == "modal":
            if not isinstance(view.get("title"), dict) or not view["title"].get("text"):
                raise missing("title", "/view")
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            if has_input and not view.get("submit"):
                raise missing("submit", "/view")  # "submit is required when an input block is within blocks"
        # The rest (labels, private_metadata, callback_id, block count, every block): slack-sdk's models.
        problems = view_errors(view)
        if problems:
            raise fail("invalid_arguments", *problems)
        return view

    def _exchange_trigger(self, args: dict[str, Any]) -> None:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise fail("invalid_arguments", "invalid `trigger_id`")  # the documented example answer
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:  # malformed, or made up: the emulator never issued it
            raise fail("invalid_trigger_id")
        if trigger.exchanged:
            raise fail("exchanged_trigger_id")
        if self.clock() - trigger.issued > TRIGGER_TTL:
            raise fail("expired_trigger_id")
        trigger.exchanged = True

    def _store_view(
        self, view: dict[str, Any], view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        external_id = str(view.get("external_id") or "")
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise fail("duplicate_external_id")
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
            raise fail("invalid_arguments", "[ERROR] either `view_id` or `external_id` is required")  # GUESS
        found = (
            self._views.get(str(view_id))
            if view_id
            else next((v for v in self._views.values() if v["external_id"] == external_id), None)
        )
        if found is None:
            raise fail("not_found")
        if args.get("hash") and args["hash"] != found["hash"]:
            raise fail("hash_conflict")
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
            raise fail("invalid_arguments", "invalid `user_id`")  # the documented example answer
        view = self._checked_view(args, "home")
        current = self._home_views.get(str(user_id))
        if current and args.get("hash") and args["hash"] != self._views[current]["hash"]:
            raise fail("hash_conflict")
        result = self._store_view(view, view_id=current)
        self._home_views[str(user_id)] = result["view"]["id"]
        return result
