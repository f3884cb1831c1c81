"""The away notice: to the other person, ahead, that a 1:1 won't happen because someone is away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.services.messages.common import recipient_zone
from bot.store.models import Meeting, OutboxMessage, Person


@dataclass(frozen=True)
class AwayNotice:
    timezone: str  # the recipient's
    meeting_id: int
    away_user_id: str  # who is away
    starts_at: datetime  # the meeting that won't happen
    first: date  # the stretch of time away, on the away person's calendar
    last: date
    paused: bool  # longer than two cycles: the 1:1 is paused until they are back


def load_away_notice(session: Session, row: OutboxMessage, now: datetime) -> AwayNotice | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    away = session.get(Person, row.params["away"])
    # Back meanwhile (the meeting happens after all), or already rebooked or skipped: nothing to say.
    if meeting is None or away is None or meeting.status is not MeetingStatus.AWAY or meeting.ends_at <= now:
        return None
    return AwayNotice(
        timezone=recipient_zone(session, row),
        meeting_id=meeting.id,
        away_user_id=away.slack_user_id,
        starts_at=meeting.starts_at,
        first=date.fromisoformat(row.params["first"]),
        last=date.fromisoformat(row.params["last"]),
        paused=bool(row.params.get("paused")),
    )
