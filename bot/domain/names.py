"""A person's name as Slack shows it, from a users.info or user_change profile."""

from __future__ import annotations

import secrets
from typing import Any

MAX_NAME = 80  # Person.display_name's length

# Someone who deleted their data stays in the other person's shared history as an anonymous placeholder:
# their Slack id is replaced by one that can never be a Slack id (those are upper-case letters and digits).
FORMER_PARTICIPANT = "a former participant"
_PLACEHOLDER_PREFIX = "former-"


def placeholder_id() -> str:
    """A fresh placeholder for an erased person's Slack id: unique, opaque, never a real Slack id."""
    return _PLACEHOLDER_PREFIX + secrets.token_hex(8)


def is_placeholder(slack_user_id: str) -> bool:
    return slack_user_id.startswith(_PLACEHOLDER_PREFIX)


def display_name(user: dict[str, Any]) -> str | None:
    """The name Slack shows for `user`: their display name, else their full name, else their handle."""
    profile = user.get("profile") or {}
    for name in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return " ".join(name.split())[:MAX_NAME]
    return None
