"""People who leave (issue 15, part 4): a deactivated Slack account pauses its series and the other person is
told once; an account that comes back resumes them; a guest or a new zone is taken in from `user_change`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.store.db import SessionFactory


def user_changed(sessions: SessionFactory, now: datetime, team_id: str, user: dict[str, Any]) -> None:
    """A `user_change` event for someone the bot may know (filled in by issue 15, part 4)."""
