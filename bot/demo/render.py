"""A message as one person sees it in Slack, as plain text: its blocks when it has them (its `text` is then
only the notification), mentions by name, Slack's date tokens in the reader's own zone, buttons as [labels].
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# <@U123>, <#C123|name>, <!date^1764601200^{date_short_pretty} at {time}|fallback>, <!here>, <https://…|label>
_TOKEN = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(\S(?:[^*\n]*\S)?)\*(?![\w*])")
_DATE_PART = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Reader:
    """Who reads a message, and when: what Slack needs to show its mentions and dates."""

    names: Mapping[str, str]  # user id -> name
    zone: str
    now: datetime


def message_text(message: Mapping[str, Any], reader: Reader) -> str:
    """What Slack shows `reader` of a stored message (or of a reply's payload, or a view)."""
    blocks = message.get("blocks") or []
    if not blocks:
        return mrkdwn(str(message.get("text") or ""), reader)
    return "\n".join(line for block in blocks for line in _block_lines(block, reader))


def mrkdwn(text: str, reader: Reader) -> str:
    """Slack's markup read as words: *bold* without its stars, tokens as Slack shows them, &amp; as &."""
    return html.unescape(_BOLD.sub(r"\1", _TOKEN.sub(lambda m: _token(m, reader), text)))


def _token(match: re.Match[str], reader: Reader) -> str:
    sigil, target, label = match.groups()
    if sigil == "@":
        return "@" + reader.names.get(target, target)
    if sigil == "#":
        return "#" + (label or target)
    if sigil == "!" and target.startswith("date^"):
        return slack_date(target, label or "", reader)
    if sigil == "!":
        return label if label is not None else "@" + target
    return f"{label} ({target})" if label and label != target else target


def slack_date(target: str, fallback: str, reader: Reader) -> str:
    """`<!date^epoch^format>` as Slack shows it to the reader ("Formatting text for app surfaces": dates are
    in the reader's zone; *_pretty says today, tomorrow or yesterday); a format it doesn't know: the fallback.
    Times as Slack's default (12-hour) setting shows them."""
    parts = target.split("^")
    if len(parts) < 3 or not parts[1].lstrip("-").isdigit():
        return fallback
    zone = ZoneInfo(reader.zone)
    local = datetime.fromtimestamp(int(parts[1]), zone)
    today = reader.now.astimezone(zone).date()
    relative = {today: "today", today + timedelta(days=1): "tomorrow", today - timedelta(days=1): "yesterday"}
    short = f"{local:%b} {local.day}, {local.year}"
    words = {
        "date_num": f"{local:%Y-%m-%d}",
        "date_short": short,
        "date_short_pretty": relative.get(local.date(), short),
        "time": f"{local.hour % 12 or 12}:{local:%M %p}",
    }
    known = all(name in words for name in _DATE_PART.findall(parts[2]))
    return _DATE_PART.sub(lambda m: words[m.group(1)], parts[2]) if known else fallback


def _block_lines(block: Mapping[str, Any], reader: Reader) -> list[str]:
    kind = block.get("type")
    if kind == "divider":
        return ["—"]
    if kind in ("section", "header"):
        lines = [_text(block.get("text"), reader)] if block.get("text") else []
        lines += [_text(field, reader) for field in block.get("fields") or []]
        accessory = _control(block.get("accessory"), reader)
        if accessory:
            lines = [*lines[:-1], f"{lines[-1]}  {accessory}"] if lines else [accessory]
        return [line for part in lines for line in part.splitlines()]
    if kind == "context":
        return [" · ".join(_text(e, reader) for e in block.get("elements") or [] if e.get("type") != "image")]
    if kind == "actions":
        return ["  ".join(c for e in block.get("elements") or [] if (c := _control(e, reader)))]
    if kind == "input":
        return [f"{_text(block.get('label'), reader)}: ____"]
    return []  # images, rich text a person wrote: not what the demo shows


def _text(obj: Any, reader: Reader) -> str:
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text") or "")
    return mrkdwn(raw, reader) if obj.get("type") == "mrkdwn" else raw  # plain_text is shown as it is


def _control(element: Any, reader: Reader) -> str:
    """A button or menu, as the label a person clicks."""
    if not isinstance(element, Mapping):
        return ""
    if element.get("type") == "button":
        return f"[{_text(element.get('text'), reader)}]"
    if element.get("type") == "overflow":
        return "[…]"
    if "placeholder" in element:
        return f"[{_text(element.get('placeholder'), reader)} ▾]"
    return ""
