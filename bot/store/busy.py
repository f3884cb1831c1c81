"""Busy stretches from people's own calendars (issue 13, part 2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session


def busy_intervals(
    session: Session, person_ids: Sequence[int], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The busy (start, end) stretches of these people's own calendars overlapping [start, end)."""
    return []  # TODO(issue 13)
