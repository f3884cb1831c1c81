"""Answers to a reschedule nudge: book one of the offered slots, or skip this meeting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.services.pairs import Actor, own_meeting
from bot.services.series import move_meeting
from bot.store import outbox
from bot.store.db import SessionFactory


@dataclass(frozen=True)
class Rebooked:
    other_user_id: str
    starts_at: datetime


def book_slot(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int, epoch: int) -> Rebooked:
    """Move the missed meeting to an offered slot; both are told and its prompt is asked again."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        other = pair.other(me.id)
        _still_open(meeting.status, meeting.offered_slots)
        if epoch not in (meeting.offered_slots or []):
            raise DomainError("That time wasn't one of the times I offered for this 1:1.")
        starts_at = datetime.fromtimestamp(epoch, UTC)
        if starts_at <= now:
            raise DomainError("That time has already passed; pick a later one.")
        move_meeting(session, meeting, starts_at)
        # Re-armed: a new prompt before it, a new "How did it go?" after it.
        meeting.prompt_queued_at = None
        meeting.followup_queued_at = None
        meeting.offered_slots = None
        meeting.last_nudged_at = None
        for person in (me, other):
            outbox.enqueue(
                session,
                key=outbox_key(MessageKind.MEETING_REBOOKED, meeting.id, epoch, person.id),
                kind=MessageKind.MEETING_REBOOKED,
                now=now,
                recipient_id=person.id,
                meeting_id=meeting.id,
                params={"meeting_id": meeting.id, "by": me.id},
            )
        return Rebooked(other.slack_user_id, starts_at)


def skip_missed(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int) -> str:
    """ "Skip this one": recorded as skipped, the other person told. Returns their Slack id."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        other = pair.other(me.id)
        _still_open(meeting.status, meeting.offered_slots)
        meeting.status = MeetingStatus.SKIPPED
        meeting.offered_slots = None
        outbox.enqueue(
            session,
            key=outbox_key(MessageKind.MEETING_SKIPPED, meeting.id),  # not `/1on1 skip`'s "skipped:…"
            kind=MessageKind.MEETING_SKIPPED,
            now=now,
            recipient_id=other.id,
            meeting_id=meeting.id,
            params={"meeting_id": meeting.id, "by": me.id},
        )
        return other.slack_user_id


def _still_open(status: MeetingStatus, offered: list[int] | None) -> None:
    if status is not MeetingStatus.SCHEDULED or offered is None:  # `[]`: no slot was found, still open
        raise DomainError("This 1:1 was already rebooked, skipped or recorded; nothing to choose any more.")
