"""To the other person, after a series was edited: what changed (issue 12, part 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage


def load_series_changed(session: Session, row: OutboxMessage, now: datetime) -> Any:
    raise NotImplementedError  # TODO(issue 12)
