"""What goes into a summary's thread besides the summary itself (issue 12, part 5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session


def still_open_rows(
    session: Session, meetings: Sequence[tuple[int, int]], now: datetime
) -> list[dict[str, object]]:
    """Outbox rows (enqueue_many's dicts) reminding each pair, in the thread of its last summary, of the
    action items still open, for these (meeting id, pair id) being prompted now."""
    return []  # TODO(issue 12)
