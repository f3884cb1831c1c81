"""After a meeting: ask how it went, and chase a meeting nobody recorded with reschedule slots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.catch_up import AfterMeeting, Due, due_now
from bot.domain.errors import DomainError
from bot.domain.meetings import GRACE, MAX_NUDGES, MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.slots import SEARCH, Attendee, find_slots
from bot.services import away
from bot.services.pairs import Actor, own_meeting
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import followups as store
from bot.store import outbox, people, settings
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person


def queue_followups(sessions: SessionFactory, now: datetime) -> int:
    """At each meeting's end, "How did it go?" to both; after the clock was down, still first (the chase
    waits GRACE after it), unless the meeting is too long over to ask: that one is counted as missed."""
    queued = 0
    while True:
        with sessions.begin() as session:
            batch = store.followups_due(session, now)
            paused = store.paused_among(session, {meeting.series_id for meeting, _ in batch})
            rows = []  # one INSERT for the batch: 10,000 meetings can end at 10:30 together
            for meeting, pair in batch:
                due = due_now(_after(meeting), now)
                meeting.followup_queued_at = now  # also for one settled before its end: nothing to ask
                if meeting.series_id in paused:
                    _skip_paused(session, meeting)
                elif due is Due.ASK:
                    # The end time is in the key (as in a prompt's): a missed meeting rebooked to a new
                    # time is asked about again instead of colliding with its first "How did it go?".
                    ended = int(meeting.ends_at.timestamp())
                    rows.extend(
                        _rows_to_both(pair, now, MessageKind.FOLLOW_UP, meeting.id, key=(meeting.id, ended))
                    )
                elif due is Due.MISSED:
                    _count_missed(meeting)
            queued += outbox.enqueue_many(session, rows)
        if len(batch) < store.BATCH:
            return queued


def chase_unrecorded(sessions: SessionFactory, now: datetime) -> int:
    """Nudge (at most twice, GRACE apart) about meetings asked about and not recorded; then count them as
    missed. A meeting not asked about yet is queue_followups' (it runs first in a tick)."""
    nudged = 0
    while True:
        with sessions.begin() as session:
            batch = store.unrecorded(session, quiet_since=now - GRACE)
            paused = store.paused_among(session, {meeting.series_id for meeting, _ in batch})
            for meeting, pair in batch:
                due = due_now(_after(meeting), now)
                if meeting.series_id in paused:
                    _skip_paused(session, meeting)
                elif due is Due.NUDGE and not away.someone_away_now(session, pair, now):
                    # Nobody away is nudged: it waits until they are back (or becomes missed).
                    nudged += nudge(session, meeting, pair, now)
                elif due is Due.MISSED:
                    _count_missed(meeting)
        if len(batch) < store.BATCH:
            return nudged


def report_not_held(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int) -> str:
    """ "It didn't happen": nudge both now, unless that already happened. Returns the other's Slack id."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        other = pair.other(me.id).slack_user_id
        if meeting.status is MeetingStatus.HELD:
            raise DomainError("A summary was already written for this 1:1, so it counts as held.")
        if meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at > now:
            raise DomainError("That 1:1 isn't waiting to be rescheduled.")
        if meeting.last_nudged_at is not None and meeting.offered_slots:
            raise DomainError("I've already suggested new times to you and {}; pick one there.", other)
        if meeting.nudge_count >= MAX_NUDGES:
            raise DomainError("I've already suggested new times twice for this 1:1.")
        nudge(session, meeting, pair, now)
        return other


def nudge(session: Session, meeting: Meeting, pair: Pair, now: datetime) -> int:
    """Offer both people a few slots inside their own working days and hours (or the closest to them)."""
    members = [pair.member_a, pair.member_b]
    # Never on a day either is away (time away, a holiday, out of office), nor in busy times of theirs.
    attendees = away.attendees(session, members, now)
    their_pairs = {p.id for person in members for p in people.pairs_of(session, person)}
    busy = store.busy_times(session, sorted(their_pairs), now, now + SEARCH) + away.own_busy(
        session, members, now
    )
    slots = find_slots(attendees, now, meeting.ends_at - meeting.starts_at, busy=busy)
    meeting.offered_slots = [int(slot.starts_at.timestamp()) for slot in slots]
    meeting.nudge_count += 1
    meeting.last_nudged_at = now
    return _to_both(session, pair, now, MessageKind.NUDGE, meeting.id, key=(meeting.id, meeting.nudge_count))


def attendee(person: Person) -> Attendee:
    """Someone as the slot search sees them: their zone and their own working days and hours."""
    return Attendee(person.slack_user_id, person.timezone or FALLBACK_TIMEZONE, settings.hours_of(person))


def _after(meeting: Meeting) -> AfterMeeting:
    return AfterMeeting(
        status=meeting.status,
        ends_at=meeting.ends_at,
        followup_queued_at=meeting.followup_queued_at,
        nudge_count=meeting.nudge_count,
        last_nudged_at=meeting.last_nudged_at,
    )


def _skip_paused(session: Session, meeting: Meeting) -> None:
    """A meeting of a paused series (someone's Slack account is deactivated) went by: it didn't happen, and
    nobody is asked or chased about it. Its agenda waits for the pair's next meeting."""
    if meeting.status is MeetingStatus.SCHEDULED:
        meeting.status = MeetingStatus.SKIPPED
        meeting.offered_slots = None
        series_store.move_agenda(session, meeting.id, None)


def _count_missed(meeting: Meeting) -> None:
    meeting.status = MeetingStatus.MISSED
    meeting.offered_slots = None


def _to_both(
    session: Session,
    pair: Pair,
    now: datetime,
    kind: MessageKind,
    meeting_id: int,
    *,
    key: tuple[object, ...],
) -> int:
    return outbox.enqueue_many(session, _rows_to_both(pair, now, kind, meeting_id, key=key))


def _rows_to_both(
    pair: Pair,
    now: datetime,
    kind: MessageKind,
    meeting_id: int,
    *,
    key: tuple[object, ...],
) -> list[dict[str, object]]:
    members = sorted([pair.member_a_id, pair.member_b_id], key=lambda person_id: person_id == pair.manager_id)
    return [
        {
            "key": outbox_key(kind, *key, person_id),
            "kind": kind,
            "now": now,
            "recipient_id": person_id,
            "meeting_id": meeting_id,
            "params": {"meeting_id": meeting_id},
        }
        for person_id in members
    ]
