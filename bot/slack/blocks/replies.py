"""Ephemeral replies to `/1on1`: Block Kit built in one place, user text escaped on the way in."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.commands import COMMAND, USAGE
from bot.slack.text import escape, mention

Reply = dict[str, Any]

_HELP_LINES = {
    "schedule": "start a recurring 1:1 in your time zone (30m unless you say otherwise)",
    "add-topic": "put a topic on the next 1:1's shared agenda",
    "agenda": "the next 1:1's agenda, open action items and what carried over",
    "list": "your 1:1s and when each one is next",
    "actions": "open action items",
    "note": "a private note only you can ever see",
    "skip": "skip the next 1:1; the other person is told",
    "reschedule": "move the next 1:1 only",
    "cancel": "end a recurring 1:1 (asks first)",
}


def reply(text: str, *blocks: Any) -> Reply:
    """An ephemeral reply; `text` is the notification and screen-reader fallback."""
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [b.to_dict() for b in blocks] if blocks else None,
    }


def help_reply() -> Reply:
    lines = "\n".join(f"• `{COMMAND} {USAGE[name]}`\n      {why}" for name, why in _HELP_LINES.items())
    return reply(
        "How to use /1on1",
        SectionBlock(text=MarkdownTextObject(text="*Your 1:1s, from anywhere in Slack*\n" + lines)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="You can also send me a direct message: "
                    "each message becomes a topic for your next 1:1."
                )
            ]
        ),
    )


def problem_reply(problem: str, usage: str | None = None) -> Reply:
    """A rejected command: what was wrong, and the form that works. `problem` is already safe mrkdwn."""
    text = f":warning: {problem}"
    if usage:
        text += f"\nUsage: `{usage}`"
    else:
        text += f"\nType `{COMMAND} help` to see what I can do."
    return reply(problem, SectionBlock(text=MarkdownTextObject(text=text)))


def failure_reply() -> Reply:
    return reply(
        ":x: Something went wrong on my side and nothing was saved. Please try again in a minute.",
    )


def topic_added_reply(topic_text: str, other_user_id: str, when: str | None) -> Reply:
    """`when` is the next meeting's start already formatted for the reader, or None if none is scheduled."""
    quoted = "\n".join(f">{line}" for line in escape(topic_text).splitlines())
    if when:
        head = f":memo: Added to the agenda of your 1:1 with {mention(other_user_id)} on {when}:"
        fallback = "Topic added to your next 1:1's agenda."
    else:
        head = (
            f":memo: Added to your shared agenda with {mention(other_user_id)}. No 1:1 is scheduled yet, "
            f"so it will be on the first one (`{COMMAND} schedule …`)."
        )
        fallback = "Topic added to your shared agenda."
    return reply(fallback, SectionBlock(text=MarkdownTextObject(text=f"{head}\n{quoted}")))


def not_yet_reply(subcommand: str) -> Reply:
    return reply(f"`{COMMAND} {subcommand}` isn't available yet; `{COMMAND} add-topic` and `help` are.")
