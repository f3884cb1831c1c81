"""A person's own calendar for busy times: set, fetched every 15 minutes at most, expanded (issue 13)."""

from __future__ import annotations

from datetime import datetime

from bot.services.pairs import Actor
from bot.store.db import SessionFactory


def set_busy_url(
    sessions: SessionFactory, now: datetime, actor: Actor, url: str | None, *, allow_private: bool = False
) -> None:
    """Store (or with None, forget) the person's calendar address; a DomainError/InvalidField says what is
    wrong with an address that can't be used (not https, a private address…). Fetched later, by the clock."""
    raise NotImplementedError  # TODO(issue 13)
