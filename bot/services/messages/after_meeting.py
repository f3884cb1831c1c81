"""After a meeting: "How did it go?", the nudge with new times, the rebooking, a second summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.domain.catch_up import asked_late
from bot.domain.meetings import MeetingStatus
from bot.domain.slots import Slot, describe
from bot.services.followups import attendee
from bot.services.messages.common import acting_user_id, recipient_zone
from bot.store.models import Meeting, OutboxMessage, Pair, Person, Summary


@dataclass(frozen=True)
class FollowUp:
    meeting_id: int
    other_user_id: str
    # Only when asked late (the clock was down): the meeting's start, and the recipient's zone, to name it.
    late_start: datetime | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Nudge:
    timezone: str  # the recipient's
    meeting_id: int
    other_user_id: str
    starts_at: datetime  # when it should have been
    slots: tuple[Slot, ...]
    nudge_number: int  # 1, then 2 for the last call


@dataclass(frozen=True)
class Rebooked:
    timezone: str
    by_user_id: str
    other_user_id: str
    starts_at: datetime  # the new time


@dataclass(frozen=True)
class SummaryAdded:
    author_user_id: str  # who added their part to the posted summary


def load_follow_up(session: Session, row: OutboxMessage, now: datetime) -> FollowUp | None:
    found = _after_meeting(session, row)
    if found is None:
        return None
    meeting, _, other_user_id = found
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.HELD):
        return None  # skipped or cancelled meanwhile
    if not asked_late(meeting.ends_at, meeting.followup_queued_at):
        return FollowUp(meeting.id, other_user_id)
    return FollowUp(meeting.id, other_user_id, meeting.starts_at, recipient_zone(session, row))


def load_nudge(session: Session, row: OutboxMessage, now: datetime) -> Nudge | None:
    found = _after_meeting(session, row)
    if found is None:
        return None
    meeting, pair, other_user_id = found
    # Rebooked, skipped or recorded meanwhile (offers cleared). No slot found is `[]`: still sent, saying so.
    if meeting.status is not MeetingStatus.SCHEDULED or meeting.offered_slots is None:
        return None
    # Each person's own hours, as they are now: the labels say whose evening or day off a slot is.
    attendees = [attendee(p) for p in (pair.member_a, pair.member_b)]
    return Nudge(
        timezone=recipient_zone(session, row),
        meeting_id=meeting.id,
        other_user_id=other_user_id,
        starts_at=meeting.starts_at,
        slots=tuple(
            describe(datetime.fromtimestamp(epoch, UTC), attendees) for epoch in meeting.offered_slots
        ),
        nudge_number=meeting.nudge_count,
    )


def load_rebooked(session: Session, row: OutboxMessage, now: datetime) -> Rebooked | None:
    found = _after_meeting(session, row)
    if found is None:
        return None
    meeting, _, other_user_id = found
    return Rebooked(
        recipient_zone(session, row), acting_user_id(session, row), other_user_id, meeting.starts_at
    )


def load_summary_added(session: Session, row: OutboxMessage, now: datetime) -> SummaryAdded | None:
    summary = session.get(Summary, row.params["summary_id"])
    author = session.get(Person, summary.author_id) if summary else None
    return SummaryAdded(author.slack_user_id) if author else None


def _after_meeting(session: Session, row: OutboxMessage) -> tuple[Meeting, Pair, str] | None:
    """The row's meeting, its pair and the Slack id of the recipient's other half, if all are still there."""
    meeting = session.get(Meeting, row.params["meeting_id"])
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None or row.recipient_id is None:
        return None
    return meeting, pair, pair.other(row.recipient_id).slack_user_id
