"""A person's name as Slack shows it, from a users.info or user_change profile."""

from __future__ import annotations

from typing import Any

MAX_NAME = 80  # Person.display_name's length


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
