"""``chat.postMessage``, ``chat.postEphemeral``, ``chat.update`` and ``chat.getPermalink``: messages, with
Slack's limits on them.

``chat.postMessage`` truncates ``text`` over 40,000 chars and warns ``message_truncated``; a ``thread_ts``
that points at no message is answered ok (``strict_threads = True``: an emulator-only ``thread_not_found``).
Blocks are checked as Slack checks them (emulator/blocks.py): ``invalid_blocks_format`` when they are not a
list, ``invalid_blocks`` with json-pointer messages when one is not valid.
"""

from __future__ import annotations

import copy
from typing import Any

from emulator.blocks import checked_message_blocks
from emulator.ids import APP_ID, TEAM_ID
from emulator.workspace import Conversation, Workspace, fail, missing

MAX_TEXT_CHARS = 40_000  # longer message text is truncated, with a warning
MAX_ATTACHMENTS = 100  # too_many_attachments


class ChatMethods(Workspace):
    def _reset_chat(self) -> None:
        self.strict_threads = False
        self._ephemerals: list[dict[str, Any]] = []
        self._private_channels: set[str] = set()

    def add_private_channel(
        self, channel_id: str, members: list[str], name: str | None = None, *, team_id: str = TEAM_ID
    ) -> None:
        """Register a private channel: only its members (the bot among them, or not) can see it."""
        self.add_channel(channel_id, members, name, team_id=team_id)
        with self._cond:
            self._private_channels.add(channel_id)

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        with self._cond:
            return [copy.deepcopy(m) for m in self._ephemerals if channel is None or m["channel"] == channel]

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        conv = self._resolve_channel(args.get("channel"))
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if not (text or blocks or attachments):
            raise fail("no_text")
        thread_ts = str(args["thread_ts"]) if args.get("thread_ts") else None
        parent = next((m for m in conv.messages if m["ts"] == thread_ts), None) if thread_ts else None
        if thread_ts and parent is None and self.strict_threads:
            raise fail("thread_not_found")  # emulator-only; real Slack answers ok and orphans the reply
        team = self._teams[conv.team_id]  # the app's bot user in the conversation's workspace posts it
        msg: dict[str, Any] = {
            "type": "message",
            "user": team.bot_user_id,
            "bot_id": team.bot_id,
            "app_id": APP_ID,
            "team": team.id,
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
            raise missing("user")
        if conv.members is not None and user not in conv.members:
            raise fail("user_not_in_channel")
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if not (text or blocks or attachments):
            raise fail("no_text")
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
            raise fail("message_not_found")
        team = self._teams[conv.team_id]
        if msg.get("bot_id") != team.bot_id:
            raise fail("cant_update_message")
        blocks, attachments = self._content(args)
        text, warning = self._text(args)
        if text is None and blocks is None and attachments is None:
            raise fail("no_text")
        if text is not None:
            msg["text"] = text
        # Docs: blocks/attachments left out are retained; an empty array removes them.
        for key, value in (("blocks", blocks), ("attachments", attachments)):
            if value:
                msg[key] = value
            elif value is not None:
                msg.pop(key, None)
        msg["edited"] = {"user": team.bot_user_id, "ts": self._next_ts()}
        return {"channel": conv.id, "ts": ts, "text": msg["text"], "message": copy.deepcopy(msg), **warning}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        """A message's permalink, as the method reference (docs.slack.dev/reference/methods/chat.getPermalink)
        shows it: ``https://<domain>.slack.com/archives/<channel>/p<ts without the dot>``; for a reply in a
        thread, "the p... value ... was to the threaded message, and the query parameters refer to the
        top-level message": ``?thread_ts=<parent ts>&cid=<channel>``. It "handles message threads and all
        conversation types" and needs no scope ("Bot tokens: No scope required").

        Errors, from the reference's table: ``channel_not_found`` ("Value passed for channel was invalid")
        and ``message_not_found`` ("The message identified by message_ts could not be found"). A missing
        ``message_ts`` answers ``invalid_arguments`` as the emulator's other methods do (GUESS: the reference
        only marks it required). GUESS: what the bot may not see is ``channel_not_found``, as for a channel
        that does not exist: a public channel it is not in is visible (no membership, no scope needed), a
        private channel, DM or group DM it is not in is not. Slack does not reveal that a private conversation
        exists to non-members, and a user id is not a conversation id here.
        """
        conv = self._resolve_channel(args.get("channel"), allow_user_id=False)
        if not self._bot_can_see(conv):
            raise fail("channel_not_found")
        ts = str(args.get("message_ts") or "")
        if not ts:
            raise missing("message_ts")
        msg = next((m for m in conv.messages if m["ts"] == ts), None)
        if msg is None:
            raise fail("message_not_found")
        domain = self._teams[conv.team_id].domain
        permalink = f"https://{domain}.slack.com/archives/{conv.id}/p{ts.replace('.', '')}"
        parent = msg.get("thread_ts")
        if parent and parent != ts:  # a reply: the parent's ts and the conversation ride along
            permalink += f"?thread_ts={parent}&cid={conv.id}"
        return {"channel": conv.id, "permalink": permalink}

    def _bot_can_see(self, conv: Conversation) -> bool:
        private = conv.kind != "channel" or conv.id in self._private_channels or conv.id[:1] in ("D", "G")
        bot = self._teams[conv.team_id].bot_user_id
        return not private or (conv.members is not None and bot in conv.members)

    @staticmethod
    def _content(args: dict[str, Any]) -> tuple[list[Any] | None, list[Any] | None]:
        blocks = checked_message_blocks(
            args.get("blocks")
        )  # every block as strict as Slack: emulator/blocks.py
        attachments = args.get("attachments")
        if attachments is not None:
            if not isinstance(attachments, list):
                raise fail("invalid_attachments")
            if len(attachments) > MAX_ATTACHMENTS:
                raise fail("too_many_attachments")
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
