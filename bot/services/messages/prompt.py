"""The pre-meeting prompt: the agenda as the recipient sees it, while the meeting is still ahead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.services.agenda import AgendaView, build_agenda
from bot.services.people import FALLBACK_TIMEZONE
from bot.store.models import Meeting, OutboxMessage, Pair, Person


def load_prompt(session: Session, row: OutboxMessage, now: datetime) -> AgendaView | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    viewer = session.get(Person, row.recipient_id) if row.recipient_id else None
    if (
        meeting is None
        or viewer is None
        or meeting.status is not MeetingStatus.SCHEDULED
        or meeting.ends_at <= now
    ):
        return None  # cancelled, skipped or over before it could be sent
    pair = session.get(Pair, meeting.pair_id)
    assert pair is not None
    return build_agenda(session, pair, viewer, meeting, now, viewer.timezone or FALLBACK_TIMEZONE)
