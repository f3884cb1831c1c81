"""Reading ids out of Slack payloads; anything crafted or malformed reads as None."""

from __future__ import annotations

from typing import Any

from bot.services.pairs import Actor

_MAX_ID_DIGITS = 18  # fits a 64-bit integer column


def parse_id(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) <= _MAX_ID_DIGITS else None


def actor_of(body: dict[str, Any]) -> Actor:
    """Who clicked or submitted: interactivity payloads carry the user, and the team beside it."""
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id")
    return Actor(team_id=team_id, user_id=user["id"])
