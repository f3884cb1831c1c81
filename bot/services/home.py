"""What a person's Home tab shows: each of their 1:1s, from their side (issue 12, part 1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage


def load_home(session: Session, row: OutboxMessage, now: datetime) -> Any:
    raise NotImplementedError  # TODO(issue 12)
