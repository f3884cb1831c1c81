"""Agenda rules: what a topic may be."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.domain.errors import EmptyText, TextTooLong

TOPIC_MAX_CHARS = 500
NOTE_MAX_CHARS = 3000


class TopicStatus(StrEnum):
    OPEN = "open"
    COVERED = "covered"
    DROPPED = "dropped"


class Visibility(StrEnum):
    SHARED = "shared"  # both people of the pair see it
    PRIVATE = "private"  # only its author sees it


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def without_controls(text: str) -> str:
    """Text minus control characters other than newline and tab (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", text)


def clean_text(text: str, *, what: str, limit: int) -> str:
    """Trimmed text within `limit` characters, or a DomainError naming the limit."""
    text = without_controls(text)
    cleaned = " ".join(text.split()) if "\n" not in text else text.strip()
    if not cleaned:
        raise EmptyText(f"The {what} is empty. Write what you want to talk about after the command.")
    if len(cleaned) > limit:
        raise TextTooLong(
            f"That {what} is {len(cleaned):,} characters long; the limit is {limit:,}. "
            "Shorten it, or split it into several."
        )
    return cleaned


def clean_topic(text: str) -> str:
    return clean_text(text, what="topic", limit=TOPIC_MAX_CHARS)
