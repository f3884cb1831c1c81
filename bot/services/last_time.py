""" "Last time" (issue 14, part 3): what the pair's previous meeting agreed, at the top of the next prompt
and agenda; and a kind word when the report's agenda is only status updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import Meeting, Pair, Person


@dataclass(frozen=True)
class LastTime:
    """What the previous meeting left (filled in by issue 14, part 3)."""


@dataclass(frozen=True)
class StatusNudge:
    """The report's agenda is only status updates: a question to try instead (issue 14, part 3)."""


def last_time_of(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime
) -> LastTime | None:
    return None


def status_nudge(session: Session, pair: Pair, viewer: Person, meeting: Meeting | None) -> StatusNudge | None:
    return None
