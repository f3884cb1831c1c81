"""The "Add to 1:1 agenda" modal: the message quoted, which 1:1, a line of one's own; and what follows it.

The modal's private_metadata (`Origin`) is written and read here, so the two can't drift apart. It carries
the message's conversation and ts (for the permalink and the topic's source), its text as meant (a
conversation the bot is not in can't be read back on submit), and the pair when the form offered only one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.services.topics import MessageTopicAdded, MessageTopicForm
from bot.slack import ids
from bot.slack.blocks.common import SECTION_LIMIT, context, section
from bot.slack.dates import slack_date
from bot.slack.payloads import MAX_ID
from bot.slack.text import escape_clipped, mention

# The modal's inputs (block ids; each input's action id is "value"). Not in bot/slack/ids.py, which this
# part of issue 12 does not own; only this modal and its listener use them.
OWN_LINE = "message_topic_own_line"
WHICH_PAIR = "message_topic_pair"
VALUE = "value"
OWN_LINE_LABEL = "A line of your own"
WHICH_PAIR_LABEL = "Which 1:1?"

TITLE = "Add to 1:1 agenda"
# Radio buttons take mrkdwn, so each 1:1 shows as its person's name (a select's plain_text would show an
# id), but "a maximum of 10 options" (radio button group reference); past that, a user picker.
RADIO_MAX = 10

_CHANNEL = re.compile(r"[CDG][A-Z0-9]{1,20}")
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")


@dataclass(frozen=True)
class Origin:
    """Where the form came from: the message, its quote, and the only pair offered (None: one is picked)."""

    channel_id: str
    ts: str
    quote: str
    pair_id: int | None = None

    def encode(self) -> str:
        fields: dict[str, Any] = {"channel": self.channel_id, "ts": self.ts, "quote": self.quote}
        if self.pair_id is not None:
            fields["pair"] = self.pair_id
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: Any) -> Origin | None:
        """The metadata read back; None for anything crafted or garbled."""
        try:
            fields = json.loads(str(raw or ""))
        except (ValueError, RecursionError):  # RecursionError: crafted nesting
            return None
        if not isinstance(fields, dict):
            return None
        origin = cls(*(fields.get(k) for k in ("channel", "ts", "quote", "pair")))
        return origin if origin.valid() else None

    def valid(self) -> bool:
        """Shaped as Slack's ids and ts are, the quote within a topic: nothing else reaches the database."""
        return (
            isinstance(self.channel_id, str)
            and _CHANNEL.fullmatch(self.channel_id) is not None
            and isinstance(self.ts, str)
            and _TS.fullmatch(self.ts) is not None
            and isinstance(self.quote, str)
            and len(self.quote) <= TOPIC_MAX_CHARS
            and (self.pair_id is None or (type(self.pair_id) is int and 0 < self.pair_id <= MAX_ID))
        )


def message_topic_modal(origin: Origin, form: MessageTopicForm, author_user_id: str | None) -> dict[str, Any]:
    """The form itself, for someone with at least one 1:1."""
    blocks: list[Block] = [_quoted(origin.quote, author_user_id)]
    if len(form.pairs) == 1:
        blocks.append(context(f"For your next 1:1 with {mention(form.pairs[0].other_user_id)}."))
    else:
        blocks.append(_which_pair(form))
    blocks.append(
        InputBlock(
            block_id=OWN_LINE,
            label=OWN_LINE_LABEL,
            optional=bool(origin.quote),  # a message without text needs the person's words
            hint=f"Goes before the quote, which is shortened so the topic fits {TOPIC_MAX_CHARS} characters.",
            element=PlainTextInputElement(
                action_id=VALUE, max_length=TOPIC_MAX_CHARS, placeholder="e.g. Can we talk about this?"
            ),
        )
    )
    return _view(blocks, origin.encode(), submit="Add")


def no_1on1s_modal() -> dict[str, Any]:
    """Nothing to add to yet: how to start a 1:1 (no submit)."""
    return _view(
        [
            section("You don't have any 1:1s yet, so there's no agenda to add this message to."),
            ActionsBlock(elements=[ids.SCHEDULE_OPEN.element("Schedule a 1:1", "", style="primary")]),
            context(f"Or type `{ids.COMMAND} schedule @person weekly <day> <HH:MM>`."),
        ]
    )


def already_added_modal(other_user_id: str) -> dict[str, Any]:
    """The person added this message before: say so instead of offering it twice (no submit)."""
    return _view([section(_already(other_user_id))])


def added_modal(added: MessageTopicAdded) -> dict[str, Any]:
    """What the form turns into once submitted (`response_action: update`): where the topic went."""
    if not added.new:
        return _view([section(_already(added.other_user_id))], close="Done")
    with_whom = mention(added.other_user_id)
    if added.meeting_starts_at is not None:
        when = slack_date(added.meeting_starts_at, added.timezone)
        head = f":memo: Added to the agenda of your 1:1 with {with_whom} {when}:"
    else:
        head = f":memo: Added to your shared agenda with {with_whom}; it will be on your first 1:1."
    quoted = ">" + escape_clipped(added.text, SECTION_LIMIT - len(head) - 2)
    return _view([section(f"{head}\n{quoted}")], close="Done")


def problem_modal(problem: str) -> dict[str, Any]:
    """The shortcut could not be offered (no submit); `problem` is mrkdwn, already escaped."""
    return _view([section(f":warning: {problem}")])


def _quoted(quote: str, author_user_id: str | None) -> Block:
    head = f"*From {mention(author_user_id)}:*" if author_user_id else "*The message:*"
    if not quote:
        return section(f"{head}\n_No text to quote; the topic will link to the message._")
    return section(f"{head}\n>{escape_clipped(quote, SECTION_LIMIT - len(head) - 2)}")


def _which_pair(form: MessageTopicForm) -> InputBlock:
    if len(form.pairs) <= RADIO_MAX:
        options = [
            Option(value=str(p.pair_id), text=MarkdownTextObject(text=mention(p.other_user_id)))
            for p in form.pairs
        ]
        return InputBlock(
            block_id=WHICH_PAIR,
            label=WHICH_PAIR_LABEL,
            element=RadioButtonsElement(action_id=VALUE, options=options),
        )
    return InputBlock(
        block_id=WHICH_PAIR,
        label=WHICH_PAIR_LABEL,
        hint="The person you have the 1:1 with.",
        element=UserSelectElement(action_id=VALUE, placeholder="Pick a person"),
    )


def _already(other_user_id: str) -> str:
    return (
        f":information_source: You already added this message to your 1:1 with {mention(other_user_id)}; "
        "it's on the agenda once."
    )


def _view(
    blocks: list[Block], metadata: str = "", *, submit: str | None = None, close: str | None = None
) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=ids.MESSAGE_TOPIC_MODAL,
        private_metadata=metadata,
        title=TITLE,
        submit=submit,
        close=close or ("Cancel" if submit else "Close"),
        blocks=blocks,
    ).to_dict()
