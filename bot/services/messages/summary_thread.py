"""Replies in the summary's thread: an item marked done, what is still open before the next 1:1."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage


def load_action_done(session: Session, row: OutboxMessage, now: datetime) -> Any:
    raise NotImplementedError  # TODO(issue 12)


def load_still_open(session: Session, row: OutboxMessage, now: datetime) -> Any:
    raise NotImplementedError  # TODO(issue 12)
