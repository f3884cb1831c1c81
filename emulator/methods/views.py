"""``views.open``, ``views.push``, ``views.update`` and ``views.publish``: modals and App Home views.

A modal is exchanged for a ``trigger_id`` once; a view is checked against Slack's limits on its size,
blocks, labels and identifiers, stored with an id and a hash, and found again by id or ``external_id``.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any

from emulator.ids import APP_ID, BOT_ID, TEAM_ID
from emulator.workspace import Workspace, fail, missing

MAX_VIEW_BLOCKS = 100  # modal/home view objects: max 100 blocks
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_BYTES = 250 * 1024  # view_too_large: "greater than 250kb"
MAX_VIEW_LABEL = 24  # title / submit / close plain_text
MAX_IDENTIFIER = 255  # callback_id / external_id
TRIGGER_ID_RE = re.compile(r"^\d+\.\d+\.[0-9A-Za-z]+$")  # documented shape "132456.7890123.abcdef"


class ViewMethods(Workspace):
    def _reset_views(self) -> None:
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._used_triggers: set[str] = set()

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
        if len(blocks) > MAX_VIEW_BLOCKS:
            raise fail(
                "invalid_arguments",
                f"[ERROR] no more than {MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]",
            )
        if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
            raise fail(
                "invalid_arguments",
                f"[ERROR] must be less than {MAX_PRIVATE_METADATA + 1} "
                "characters [json-pointer:/view/private_metadata]",
            )
        for key in ("callback_id", "external_id"):
            if len(str(view.get(key) or "")) > MAX_IDENTIFIER:
                raise fail(
                    "invalid_arguments",
                    f"[ERROR] must be less than {MAX_IDENTIFIER + 1} characters [json-pointer:/view/{key}]",
                )
        if allowed_type == "modal":
            if not isinstance(view.get("title"), dict) or not view["title"].get("text"):
                raise missing("title", "/view")
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            if has_input and not view.get("submit"):
                raise missing("submit", "/view")  # "submit is required when an input block is within blocks"
            for key in ("title", "submit", "close"):
                label = view.get(key)
                if isinstance(label, dict) and len(str(label.get("text", ""))) > MAX_VIEW_LABEL:
                    raise fail(
                        "invalid_arguments",
                        f"[ERROR] must be less than {MAX_VIEW_LABEL + 1} "
                        f"characters [json-pointer:/view/{key}/text]",
                    )
        return view

    def _exchange_trigger(self, args: dict[str, Any]) -> None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            raise fail("invalid_arguments", "invalid `trigger_id`")  # the documented example answer
        if not TRIGGER_ID_RE.match(str(trigger)):
            raise fail("invalid_trigger_id")
        if trigger in self._used_triggers:
            raise fail("exchanged_trigger_id")
        self._used_triggers.add(str(trigger))

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
