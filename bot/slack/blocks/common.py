"""Small Block Kit pieces shared by every message: sections, bullets within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

SECTION_LIMIT = 3000  # Slack rejects a section text over 3,000 characters
MESSAGE_BLOCK_LIMIT = 50  # and a message with more than 50 blocks
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Message = dict[str, Any]  # chat.postMessage's arguments: "text" (the fallback) and "blocks"


def section(text: str, accessory: Any = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def bullets(title: str, lines: Sequence[str], *, limit: int = SECTION_LIMIT) -> str:
    """`title` and one bullet per line, cut with "…and N more" so the text stays within `limit`."""
    text = title
    for index, line in enumerate(lines):
        bullet = f"\n• {line}"
        rest = len(lines) - index
        if len(text) + len(bullet) + len(_more(rest)) > limit and rest > 0:
            return text + _more(rest)
        text += bullet
    return text


def _more(count: int) -> str:
    return f"\n…and {count} more"


def ask(text: str, *buttons: ButtonElement) -> list[Block]:
    """A question and the buttons that answer it, below it."""
    return [section(text), ActionsBlock(elements=list(buttons))]


def to_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """Block dicts, validated by slack-sdk, within the per-message block limit."""
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        blocks = [
            *blocks[: MESSAGE_BLOCK_LIMIT - 1],
            context(f"…and {len(blocks) - MESSAGE_BLOCK_LIMIT + 1} more"),
        ]
    return [block.to_dict() for block in blocks]


def text_message(text: str) -> Message:
    """A message that is one section of mrkdwn, with the same words as its fallback text."""
    return {"text": text, "blocks": to_dicts([section(text)])}
