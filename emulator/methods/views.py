"""``views.open``, ``views.push``, ``views.update`` and ``views.publish``: modals and App Home views.

A modal is exchanged for a ``trigger_id`` the emulator issued (:meth:`ViewMethods.new_trigger_id`), within
3 seconds of issue by the emulator's clock, once. A view is checked as Slack checks it (its size, type,
title, identifiers, and every block: emulator/blocks.py), stored with an id and a hash, and found again by id
or ``external_id``. A modal lives until the person submits it (what the app's ack asks for:
:meth:`ViewMethods.view_answered`) or closes it (:meth:`ViewMethods.close_view`); then ``views.update``
answers ``not_found``, as Slack does.

Sources (docs.slack.dev / api.slack.com method pages unless said): views.publish "Tier 4", "invalid
`user_id`" (its documented error answer), ``hash_conflict``, ``not_enabled`` ("a home view is published but
the Home tab isn't enabled for the app"), ``view_too_large`` (over 250kb); views.update "Exactly one of"
``view_id`` / ``external_id``, ``not_found`` ("the given view_id or external_id doesn't exist";
slackapi/bolt-js#1309: a modal the person closed answers it too); views.push "the app is limited to
pushing 2 additional views", ``push_limit_reached`` ("Currently the limit is 3"); a wrong view type is
refused with "[ERROR] must be a valid enum value [json-pointer:/view/type]" (seen for views.open with a
home view, slackapi/node-slack-sdk#925); a home view may not carry ``clear_on_close`` or
``notify_on_close`` (slackapi/java-slack-sdk#277).
"""

from __future__ import annotations

import copy
import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from emulator.blocks import view_errors
from emulator.ids import APP_ID, TEAM_ID
from emulator.workspace import Workspace, fail, missing

MAX_VIEW_BYTES = 250 * 1024  # view_too_large: "greater than 250kb"
MAX_EXTERNAL_ID = 255  # "max length of 255 characters" (views.open); View checks callback_id's
# Bolt's "Opening modals": "Pass a valid trigger_id within 3 seconds of receiving it". Within: a trigger used
# exactly 3 s after issue still opens; later, views.open answers expired_trigger_id.
TRIGGER_TTL = 3.0
MAX_STACK = 3  # views.push: a root view and "2 additional views"; then push_limit_reached
# Modal-only fields a home view is refused for (java-slack-sdk#277). GUESS: Slack's wording for it.
_NOT_IN_HOME = ("clear_on_close", "notify_on_close")


@dataclass
class IssuedTrigger:
    """A trigger_id the emulator put in a request it sent an app: for whom, when, whether it was used, and
    the view the interaction happened in (a click in a modal: ``views.push`` stacks onto that modal)."""

    user_id: str
    issued: float
    exchanged: bool = False
    view_id: str | None = None


class ViewMethods(Workspace):
    def _reset_views(self) -> None:
        self._views: dict[str, dict[str, Any]] = {}
        self._home_views: dict[str, str] = {}
        self._triggers: dict[str, IssuedTrigger] = {}
        self._closed: set[str] = set()
        # The manifest's features.app_home.home_tab_enabled; False: views.publish answers not_enabled.
        self.home_tab_enabled = True

    def new_trigger_id(self, user_id: str, view_id: str | None = None) -> str:
        """Issue a trigger id for `user_id`'s interaction, shaped as Slack documents: "132456.7890123.abcdef".

        ``views.open`` / ``views.push`` accept it once, within 3 s of now by :attr:`clock`. ``view_id``: the
        view the interaction happened in (``views.push`` stacks onto it when it is an open modal).
        """
        with self._cond:
            now = self.clock()
            trigger_id = f"{int(now)}.{next(self._seq)}.{secrets.token_hex(8)}"
            self._triggers[trigger_id] = IssuedTrigger(user_id, now, view_id=view_id)
        return trigger_id

    def trigger(self, trigger_id: str) -> IssuedTrigger | None:
        """What the emulator knows of a trigger id: None for one it never issued."""
        with self._cond:
            found = self._triggers.get(trigger_id)
            return copy.copy(found) if found else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        """A stored view as Slack last stored it (open, or closed since)."""
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def is_open(self, view_id: str) -> bool:
        """Whether the person still has this view: a home view always, a modal until submitted or closed."""
        with self._cond:
            return view_id in self._views and view_id not in self._closed

    def modal_stack(self, view_id: str) -> list[dict[str, Any]]:
        """The open views of the modal `view_id` belongs to, root first, the one the person sees last."""
        with self._cond:
            found = self._views.get(view_id)
            if found is None or found["type"] != "modal":
                return []
            return copy.deepcopy(self._stack(found["root_view_id"]))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self._cond:
            view_id = self._home_views.get(user_id)
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def close_view(self, view_id: str) -> None:
        """The person closes the modal (its X): every view of its stack is gone."""
        with self._cond:
            found = self._views.get(view_id)
            if found is not None and found["type"] == "modal":
                self._closed.update(v["id"] for v in self._stack(found["root_view_id"]))

    def view_answered(self, view_id: str, ack: dict[str, Any] | None) -> None:
        """What Slack does with the app's ack of a submission of `view_id` ("Modals": "Responding to view
        submissions"): ``errors`` keeps it open, ``update`` replaces it (same id, a new hash), ``push`` stacks
        a new view on it, ``clear`` closes the whole stack, anything else closes this view. A view the
        emulator never stored (a test's own) is left alone."""
        action = (ack or {}).get("response_action")
        with self._cond:
            found = self._views.get(view_id)
            if found is None or found["type"] != "modal" or view_id in self._closed or action == "errors":
                return
            if action == "update":
                self._store_view(self._ack_view(ack), view_id=view_id)
            elif action == "push":
                # GUESS: a pushed ack counts against the same stack limit as views.push.
                self._push(self._ack_view(ack), found)
            elif action == "clear":
                self._closed.update(v["id"] for v in self._stack(found["root_view_id"]))
            else:
                self._closed.add(view_id)

    # ------------------------------------------------------------------ checks and storage

    def _ack_view(self, ack: dict[str, Any] | None) -> dict[str, Any]:
        """The modal an ack's "update" or "push" carries, checked as views.update would check it."""
        return self._checked_view({"view": (ack or {}).get("view")}, "modal")

    def _checked_view(self, args: dict[str, Any], allowed_type: str) -> dict[str, Any]:
        view = args.get("view")
        if view is None:
            raise missing("view")
        if not isinstance(view, dict):
            raise fail("invalid_arguments", "[ERROR] failed to parse view: expected a JSON object")
        if len(json.dumps(view).encode()) > MAX_VIEW_BYTES:
            raise fail("view_too_large")
        if view.get("type") != allowed_type:
            raise fail("invalid_arguments", "[ERROR] must be a valid enum value [json-pointer:/view/type]")
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
        else:
            for name in _NOT_IN_HOME:
                if name in view:
                    raise fail("invalid_arguments", f"[ERROR] unsupported field: {name} [json-pointer:/view]")
        # The rest (labels, private_metadata, callback_id, block count, every block): slack-sdk's models.
        problems = view_errors(view)
        if problems:
            raise fail("invalid_arguments", *problems)
        return view

    def _usable_trigger(self, args: dict[str, Any]) -> IssuedTrigger:
        """The trigger a views.open / views.push call exchanges, or the error Slack answers for it."""
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise fail("invalid_arguments", "invalid `trigger_id`")  # the documented example answer
        trigger = self._triggers.get(str(trigger_id))
        # Malformed, made up (the emulator never issued it), or issued in a workspace the token can't reach.
        if trigger is None or not self._reaches(self._team_of_user(trigger.user_id)):
            raise fail("invalid_trigger_id")
        self._note_team(self._team_of_user(trigger.user_id))
        if trigger.exchanged:
            raise fail("exchanged_trigger_id")
        if self.clock() - trigger.issued > TRIGGER_TTL:
            raise fail("expired_trigger_id")
        return trigger

    def _stack(self, root_view_id: str) -> list[dict[str, Any]]:
        """The open views of a modal, root first (pushed views in the order they were pushed)."""
        return [
            v
            for v in self._views.values()
            if v["type"] == "modal" and v["root_view_id"] == root_view_id and v["id"] not in self._closed
        ]

    def _push(self, view: dict[str, Any], under: dict[str, Any]) -> dict[str, Any]:
        stack = self._stack(under["root_view_id"])
        if len(stack) >= MAX_STACK:
            raise fail("push_limit_reached")
        return self._store_view(view, on_top_of=stack[-1])

    def _store_view(
        self,
        view: dict[str, Any],
        view_id: str | None = None,
        *,
        on_top_of: dict[str, Any] | None = None,
        team_id: str = TEAM_ID,
    ) -> dict[str, Any]:
        external_id = str(view.get("external_id") or "")
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self._views.values()
        ):
            raise fail("duplicate_external_id")
        view_id = view_id or self._new_id("V")
        old = self._views.get(view_id, {})
        root = on_top_of["root_view_id"] if on_top_of else old.get("root_view_id", view_id)
        previous = on_top_of["id"] if on_top_of else old.get("previous_view_id")
        team = self._teams[on_top_of["team_id"] if on_top_of else old.get("team_id", team_id)]
        stored = {
            "id": view_id,
            "team_id": team.id,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": _with_block_ids(view["blocks"]),
            "private_metadata": str(view.get("private_metadata") or ""),
            "callback_id": str(view.get("callback_id") or ""),
            "external_id": external_id,
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{uuid.uuid4().hex[:8]}",  # a new one on every change
            "clear_on_close": bool(view.get("clear_on_close")),
            "notify_on_close": bool(view.get("notify_on_close")),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": APP_ID,
            "app_installed_team_id": team.id,
            "bot_id": team.bot_id,
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}

    def _find_view(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if bool(view_id) == bool(external_id):  # "Exactly one of these arguments is required"
            # GUESS: Slack's wording for none or both.
            raise fail("invalid_arguments", "[ERROR] exactly one of `view_id` or `external_id` is required")
        found = (
            self._views.get(str(view_id))
            if view_id
            else next((v for v in self._views.values() if v["external_id"] == external_id), None)
        )
        if found is None or found["id"] in self._closed or not self._reaches(found["team_id"]):
            raise fail("not_found")
        self._note_team(found["team_id"])
        if args.get("hash") and args["hash"] != found["hash"]:
            raise fail("hash_conflict")
        return found

    # ------------------------------------------------------------------ the methods

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, "modal")
        trigger = self._usable_trigger(args)
        trigger.exchanged = True
        return self._store_view(view, team_id=self._team_of_user(trigger.user_id))

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._checked_view(args, "modal")
        trigger = self._usable_trigger(args)
        under = self._views.get(trigger.view_id or "")
        if under is None or under["type"] != "modal" or under["id"] in self._closed:
            # GUESS: the docs ask for "a valid trigger_id generated from an interaction within the existing
            # modal" and name no error for another one; the emulator opens it as a modal of its own.
            trigger.exchanged = True
            return self._store_view(view, team_id=self._team_of_user(trigger.user_id))
        result = self._push(view, under)
        trigger.exchanged = True
        return result

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self._find_view(args)
        view = self._checked_view(args, found["type"])
        return self._store_view(view, view_id=found["id"])

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id") or "")
        user = self._users.get(user_id)
        # The documented answer for a user_id that is not "viable". GUESS: a deactivated member, a bot (no
        # Home tab of their own) and a member of a workspace the token doesn't reach are not viable either.
        if user is None or user["deleted"] or user["is_bot"] or not self._reaches(user["team_id"]):
            raise fail("invalid_arguments", "invalid `user_id`")
        self._note_team(user["team_id"])
        view = self._checked_view(args, "home")
        if not self.home_tab_enabled:
            raise fail("not_enabled")
        current = self._home_views.get(user_id)
        if current and args.get("hash") and args["hash"] != self._views[current]["hash"]:
            raise fail("hash_conflict")
        result = self._store_view(view, view_id=current, team_id=user["team_id"])
        self._home_views[user_id] = result["view"]["id"]
        return result


def _with_block_ids(blocks: list[Any]) -> list[Any]:
    """The blocks as Slack stores them: one without a ``block_id`` gets a generated one (Block Kit reference,
    "block_id": "If not specified, a block_id will be generated"), which clicks and ``state`` then carry."""
    return [
        {**block, "block_id": secrets.token_urlsafe(4)}
        if isinstance(block, dict) and not block.get("block_id")
        else block
        for block in blocks
    ]
