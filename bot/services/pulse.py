"""The pulse (issue 14, part 1): a person's one-tap check-in before a meeting, and the pair's trend.

Only the two people of the pair ever see a pulse; no score is logged or summed across pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import Meeting, Pair, Person


@dataclass(frozen=True)
class PulseView:
    """The pair's pulse as the viewer sees it (filled in by issue 14, part 1)."""


def pulse_view(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime
) -> PulseView | None:
    return None
