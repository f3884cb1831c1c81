"""``conversations.open``: the bot's IM with a member, or a group DM with up to eight."""

from __future__ import annotations

from typing import Any

from emulator.workspace import Conversation, Workspace, fail, truthy

MAX_CONVERSATION_USERS = 8  # conversations.open: "Needs at most 8 users"


class ConversationMethods(Workspace):
    def _channel_object(self, conv: Conversation, full: bool) -> dict[str, Any]:
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
        full = truthy(args.get("return_im"))
        users = args.get("users")
        if not users:
            channel = args.get("channel")
            if not channel:
                raise fail("users_list_not_supplied")
            conv = self._convs.get(str(channel))
            if conv is None or not self._reaches(conv.team_id):
                raise fail("channel_not_found")
            if conv.kind == "channel":
                raise fail("method_not_supported_for_channel_type")
            return {"no_op": True, "already_open": True, "channel": self._channel_object(conv, full)}
        ids = users if isinstance(users, list) else str(users).split(",")
        # The caller is added implicitly ("Don't include the ID of the user you're calling ... on behalf of").
        bot = self._caller_bot_user()
        user_ids = [u for u in dict.fromkeys(str(u).strip() for u in ids) if u and u != bot]
        if not user_ids:
            raise fail("users_list_not_supplied")
        if len(user_ids) > MAX_CONVERSATION_USERS:
            raise fail("too_many_users")
        for user_id in user_ids:
            if self._known_user(user_id)["deleted"]:
                raise fail("user_disabled")
        conv, existed = self._open(user_ids)
        extra = {"no_op": True, "already_open": True} if existed else {}
        return {**extra, "channel": self._channel_object(conv, full)}
