"""Time away: setting it, coming back, a Slack status that says so, and what it does to meetings.

A meeting on a day either person is away gets no prompt: at its prompt time it is recorded as AWAY (never
missed) and the other person is told once, ahead, with Reschedule and Skip. The person away hears nothing
until their first prompt after it, which says what happened meanwhile (bot/services/agenda.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from bot.domain.away import checked_range, pauses_series, profile_away_until
from bot.domain.cadence import Cadence, local_wall_time_to_utc, to_local
from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.slots import SEARCH, Attendee, Slot, find_slots
from bot.services.pairs import Actor, own_meeting
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import away as store
from bot.store import busy as busy_store
from bot.store import followups as followup_store
from bot.store import people, settings
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person


class DueMeeting(Protocol):
    """What the away check needs of a meeting whose prompt is due (a row of bot/store/prompts.py)."""

    id: int
    pair_id: int
    starts_at: datetime
    member_a_id: int
    member_b_id: int
    cadence: Cadence


@dataclass(frozen=True)
class MeetingAway:
    other_user_id: str
    starts_at: datetime


@dataclass(frozen=True)
class AwaySet:
    first: date
    last: date  # merged with the stretches it overlaps or touches
    timezone: str
    meetings: list[MeetingAway]  # their 1:1s that fall in it


# --- at prompt time -------------------------------------------------------------------------------------


def hold_back(
    session: Session, batch: Sequence[DueMeeting], now: datetime
) -> tuple[set[int], list[dict[str, Any]]]:
    """The meetings of a prompt batch on someone's away day (recorded AWAY, not prompted), and the notices
    to the other person. Three queries for the whole batch, whatever its size."""
    if not batch:
        return set(), []
    person_ids = {m.member_a_id for m in batch} | {m.member_b_id for m in batch}
    since = min(m.starts_at for m in batch).date() - timedelta(days=1)
    cals = store.calendars(session, sorted(person_ids), since, now)
    away_ids: set[int] = set()
    rows: list[dict[str, Any]] = []
    for meeting in batch:
        pair = (meeting.member_a_id, meeting.member_b_id)
        away = [p for p in pair if p in cals and cals[p].away_at(meeting.starts_at)]
        if not away:
            continue
        away_ids.add(meeting.id)
        if len(away) == 2:
            continue  # both away: nobody to tell
        gone = away[0]
        other = meeting.member_b_id if gone == meeting.member_a_id else meeting.member_a_id
        span = cals[gone].span(to_local(meeting.starts_at, cals[gone].timezone).date())
        rows.append(_notice(meeting, gone, other, span, pauses_series(span, meeting.cadence), now))
    store.mark_away(session, sorted(away_ids), now)
    return away_ids, rows


def _notice(
    meeting: DueMeeting, gone: int, other: int, span: tuple[date, date], paused: bool, now: datetime
) -> dict[str, Any]:
    # One notice per stretch of time away and pair: a paused series' later meetings join the first one's.
    return {
        "key": outbox_key(MessageKind.AWAY_NOTICE, meeting.pair_id, gone, span[0].isoformat(), other),
        "kind": MessageKind.AWAY_NOTICE,
        "now": now,
        "recipient_id": other,
        "meeting_id": meeting.id,
        "params": {
            "meeting_id": meeting.id,
            "away": gone,
            "first": span[0].isoformat(),
            "last": span[1].isoformat(),
            "paused": paused,
        },
    }


# --- `/1on1 away`, `/1on1 back` ------------------------------------------------------------------------


def set_away(
    sessions: SessionFactory, now: datetime, actor: Actor, first: date, last: date | None
) -> AwaySet:
    """Store a stretch of time away (merged with the ones it touches); nothing stored on a refusal."""
    with sessions.begin() as session:
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        zone = me.timezone or FALLBACK_TIMEZONE
        first, last = checked_range(first, last, to_local(now, zone).date())
        first, last = store.set_stretch(session, me.id, first, last, now)
        return AwaySet(first, last, zone, _meetings_in(session, me, zone, first, last, now))


def come_back(sessions: SessionFactory, now: datetime, actor: Actor) -> int:
    """Clear time away from today on (earlier days stay, as history), and a Slack status saying away.
    Meetings ahead that were recorded away and now happen again are scheduled (and prompted) again."""
    with sessions.begin() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        if me is None:
            return 0
        zone = me.timezone or FALLBACK_TIMEZONE
        cleared = store.clear_from(session, me.id, to_local(now, zone).date())
        if me.status_away_until is not None and me.status_away_until > now:
            me.status_away_until = None
            cleared += 1
        _reschedule_returned(session, me, now)
        return cleared


def _meetings_in(
    session: Session, me: Person, zone: str, first: date, last: date, now: datetime
) -> list[MeetingAway]:
    start = max(now, _local_midnight(first, zone))
    end = _local_midnight(last + timedelta(days=1), zone)
    found = []
    for pair in people.pairs_of(session, me):
        for meeting in store.pair_meetings_between(session, pair.id, start, end, [MeetingStatus.SCHEDULED]):
            found.append(MeetingAway(pair.other(me.id).slack_user_id, meeting.starts_at))
    return sorted(found, key=lambda m: m.starts_at)


def _reschedule_returned(session: Session, me: Person, now: datetime) -> None:
    for pair in people.pairs_of(session, me):
        ahead = store.pair_meetings_between(
            session, pair.id, now, now + timedelta(days=400), [MeetingStatus.AWAY]
        )
        if not ahead:
            continue
        cals = store.calendars(session, [pair.member_a_id, pair.member_b_id], now.date(), now)
        for meeting in ahead:
            if not any(cal.away_at(meeting.starts_at) for cal in cals.values()):
                meeting.status = MeetingStatus.SCHEDULED
                meeting.prompt_queued_at = None  # asked for topics again at its time


def _local_midnight(day: date, zone: str) -> datetime:
    return local_wall_time_to_utc(day, datetime.min.time(), zone)


# --- Slack status ----------------------------------------------------------------------------------------


def learn_status(
    sessions: SessionFactory, now: datetime, team_id: str, user_id: str, profile: dict[str, Any]
) -> None:
    """A `user_change` event: remember whether their status says away, and until when. Only for people the
    bot already knows (a workspace's every profile change is not a reason to add a row)."""
    until = profile_away_until(profile)
    with sessions.begin() as session:
        me = people.find_person(session, team_id, user_id)
        if me is None or me.status_away_until == until:
            return
        me.status_away_until = until
        if until is None or until <= now:
            _reschedule_returned(session, me, now)


# --- slots that avoid away days ---------------------------------------------------------------------------


def attendees(session: Session, members: Sequence[Person], now: datetime) -> list[Attendee]:
    """Both people as the slot search sees them: zone, hours, and the days they are away (SEARCH ahead)."""
    zone_of = {p.id: p.timezone or FALLBACK_TIMEZONE for p in members}
    first = now.date() - timedelta(days=1)
    days = store.away_days(session, list(zone_of), first, first + SEARCH + timedelta(days=2), now)
    return [
        Attendee(p.slack_user_id, zone_of[p.id], settings.hours_of(p), frozenset(days.get(p.id, set())))
        for p in members
    ]


def own_busy(session: Session, members: Sequence[Person], now: datetime) -> list[tuple[datetime, datetime]]:
    """Busy stretches of both people's own calendars in the slot search's window."""
    return list(busy_store.busy_intervals(session, [p.id for p in members], now, now + SEARCH))


def someone_away_now(session: Session, pair: Pair, now: datetime) -> bool:
    """Whether either person is away today (their own today): nobody away is nudged."""
    cals = store.calendars(session, [pair.member_a_id, pair.member_b_id], now.date() - timedelta(days=1), now)
    return any(cal.away_at(now) for cal in cals.values())


# --- the notice's buttons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTimes:
    meeting_id: int
    other_user_id: str
    timezone: str
    slots: list[Slot]


def offer_new_times(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int) -> NewTimes:
    """*Reschedule* on an away notice: the meeting is open to rebooking again, with slots that avoid both
    people's away days, holidays and busy times (booked or skipped with the nudge's own buttons)."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        _still_away(meeting, now)
        members = [pair.member_a, pair.member_b]
        their_pairs = {p.id for person in members for p in people.pairs_of(session, person)}
        busy = followup_store.busy_times(session, sorted(their_pairs), now, now + SEARCH) + own_busy(
            session, members, now
        )
        slots = find_slots(
            attendees(session, members, now), now, meeting.ends_at - meeting.starts_at, busy=busy
        )
        meeting.status = MeetingStatus.SCHEDULED
        meeting.offered_slots = [int(slot.starts_at.timestamp()) for slot in slots]
        meeting.followup_queued_at = now  # no "How did it go?" for the away day if nothing is booked
        return NewTimes(meeting.id, pair.other(me.id).slack_user_id, me.timezone or FALLBACK_TIMEZONE, slots)


def skip_away(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int) -> str:
    """*Skip* on an away notice: recorded as skipped (the person away is not disturbed). Their Slack id."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        _still_away(meeting, now)
        meeting.status = MeetingStatus.SKIPPED
        return pair.other(me.id).slack_user_id


def _still_away(meeting: Meeting, now: datetime) -> None:
    if meeting.status is not MeetingStatus.AWAY or meeting.ends_at <= now:
        raise DomainError("This 1:1 was already rebooked, skipped or is over; nothing to change any more.")


# --- the person back: what happened meanwhile ---------------------------------------------------------------


@dataclass(frozen=True)
class WhileAway:
    meetings: list[tuple[datetime, MeetingStatus]]  # recorded away or skipped, oldest first


def while_away(session: Session, meeting: Meeting) -> WhileAway | None:
    """The meetings just before this one that didn't happen because someone was away (the streak since the
    last one that did); None when there were none, so only the first prompt after time away says it."""
    earlier = store.before_in_pair(session, meeting.pair_id, meeting.starts_at)
    streak = away_streak((m.starts_at, m.status, m.away_told_at is not None) for m in earlier)
    return WhileAway(streak) if streak else None


def away_streak(
    before: Iterable[tuple[datetime, MeetingStatus, bool]],
) -> list[tuple[datetime, MeetingStatus]]:
    """The streak of meetings away, oldest first, from the meetings before one, latest first (when each
    started, its status, whether the other person was told it was away). Recorded away, or skipped from an
    away notice, counts; a cancelled one is passed over; any other ends the streak. The one rule for the
    prompt and `/1on1 agenda` (bot/services/agenda.py, from the rows it read)."""
    streak: list[tuple[datetime, MeetingStatus]] = []
    for starts_at, status, told in before:
        if status is MeetingStatus.AWAY or (status is MeetingStatus.SKIPPED and told):
            streak.append((starts_at, status))
        elif status is not MeetingStatus.CANCELLED:
            break
    return sorted(streak)
