"""Reading ids out of Slack payloads; anything crafted or malformed reads as None."""

from __future__ import annotations

import re
from typing import Any

from bot.services.pairs import Actor

_ID = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses
MAX_ID = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL


def parse_id(value: Any) -> int | None:
    """A row id from a button value or modal metadata; anything else (crafted, garbled) is None."""
    text = str(value or "")
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def actor_of(body: dict[str, Any]) -> Actor:
    """Who clicked or submitted: interactivity payloads carry the user, and the team beside it."""
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id")
    return Actor(team_id=team_id, user_id=user["id"])
