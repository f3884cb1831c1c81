"""Setting up, skipping, moving and ending recurring 1:1s (editing one is bot/services/series_edit.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence, first_meeting_date, to_local
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import DEFAULT_LEAD, MeetingStatus, moved_start, prompt_time
from bot.domain.outbox import (
    MOVED_KEY_PREFIX,
    SERIES_KEY_PREFIX,
    SKIPPED_KEY_PREFIX,
    MessageKind,
    outbox_key,
)
from bot.services.materialise import materialise
from bot.services.pairs import Actor, resolve_pair
from bot.store import meetings as meeting_store
from bot.store import outbox
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person, Series

# What a refusal of a form field names (InvalidField.field): the schedule modal's block ids are these.
PERSON = "person"
FIRST_DATE = "first_date"


class SeriesExists(DomainError):
    """The two already meet: a second series would double every meeting."""


@dataclass(frozen=True)
class ScheduleRequest:
    other_user_id: str
    cadence: str
    weekday: int
    at: time
    duration_minutes: int = 30
    start: date | None = None
    caller_is_manager: bool = True
    lead: timedelta = DEFAULT_LEAD


@dataclass(frozen=True)
class Scheduled:
    series_id: int
    other_user_id: str
    cadence: Cadence
    timezone: str
    duration_minutes: int
    first_starts_at: datetime
    caller_is_manager: bool
    lead: timedelta


@dataclass(frozen=True)
class MeetingChange:
    """A skipped or moved meeting, as the caller needs to hear about it."""

    other_user_id: str
    starts_at: datetime
    next_starts_at: datetime | None = None


@dataclass(frozen=True)
class SeriesSummary:
    series_id: int
    other_user_id: str
    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str


def schedule(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    request: ScheduleRequest,
    timezone: str,
    *,
    zones: Mapping[str, str] | None = None,
) -> Scheduled:
    """Start a series in the caller's `timezone`; `zones` (Slack id -> zone) are remembered for both."""
    refuse_past(request.start, timezone, now)
    today = to_local(now, timezone).date()
    first_date = first_meeting_date(request.weekday, request.start or today)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, request.other_user_id, create=True)
        other = pair.other(me.id)
        _refuse_second_series(session, pair, other)
        # Stored with the series, in its transaction: the announcement and nudges need both zones.
        for person, zone in ((me, timezone), (other, (zones or {}).get(other.slack_user_id))):
            if zone:
                person.timezone, person.timezone_checked_at = zone, now
        pair.manager_id = me.id if request.caller_is_manager else other.id
        series = Series(
            pair_id=pair.id,
            cadence=Cadence(request.cadence),
            weekday=request.weekday,
            local_time=request.at,
            duration_minutes=request.duration_minutes,
            timezone=timezone,
            first_date=first_date,
            lead_minutes=int(request.lead.total_seconds() // 60),
            people_lead_minutes=people_lead(me, other),
            created_by_id=me.id,
            created_at=now,
            materialised_until=now,
        )
        series_store.rule_of(series)  # validates the combination before anything is stored
        session.add(series)
        session.flush()
        materialise(session, series, now)
        first = meeting_store.next_meeting(session, pair.id, now)
        assert first is not None, "a new series always has a next meeting"
        _notify_series(session, MessageKind.SERIES_ANNOUNCED, "announced", series, other, me, now)
        return Scheduled(
            series_id=series.id,
            other_user_id=other.slack_user_id,
            cadence=series.cadence,
            timezone=timezone,
            duration_minutes=series.duration_minutes,
            first_starts_at=first.starts_at,
            caller_is_manager=request.caller_is_manager,
            lead=request.lead,
        )


def skip_next(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None
) -> MeetingChange:
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        other = pair.other(me.id)
        meeting = _next_meeting_or_refuse(session, pair, other, now, "skip")
        meeting.status = MeetingStatus.SKIPPED
        notify(
            session,
            MessageKind.MEETING_SKIPPED,
            outbox_key(MessageKind.MEETING_SKIPPED, meeting.id, prefix=SKIPPED_KEY_PREFIX),
            other,
            me,
            now,
            meeting_id=meeting.id,
        )
        following = meeting_store.next_meeting(session, pair.id, now)
        return MeetingChange(
            other.slack_user_id, meeting.starts_at, following.starts_at if following else None
        )


def reschedule_next(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    day: date | int | str,
    at: time,
    timezone: str,
) -> MeetingChange:
    starts_at = moved_start(day, at, timezone, now)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        other = pair.other(me.id)
        meeting = _next_meeting_or_refuse(session, pair, other, now, "move")
        move_meeting(session, meeting, starts_at)
        notify(
            session,
            MessageKind.MEETING_MOVED,
            outbox_key(
                MessageKind.MEETING_MOVED, meeting.id, int(starts_at.timestamp()), prefix=MOVED_KEY_PREFIX
            ),
            other,
            me,
            now,
            meeting_id=meeting.id,
        )
        return MeetingChange(other.slack_user_id, starts_at)


def move_meeting(session: Session, meeting: Meeting, starts_at: datetime) -> None:
    """Move one occurrence; its length and the series' lead time stay as they were."""
    series = session.get(Series, meeting.series_id)
    assert series is not None
    meeting.ends_at = starts_at + (meeting.ends_at - meeting.starts_at)
    meeting.starts_at = starts_at
    meeting.prompt_at = prompt_time(starts_at, series_store.prompt_lead(series))


def series_to_cancel(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str
) -> SeriesSummary:
    """The series `cancel @person` would end; nothing changes until it is confirmed."""
    with sessions() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        series = series_store.active_series(session, pair.id)
        if series is None:
            raise DomainError("You have no recurring 1:1 with {} to cancel.", other_user_id)
        return _summary(series, pair.other(me.id))


def cancel(sessions: SessionFactory, now: datetime, actor: Actor, series_id: int) -> SeriesSummary:
    with sessions.begin() as session:
        series = session.get(Series, series_id)
        pair = session.get(Pair, series.pair_id) if series else None
        me = _member(session, pair, actor) if pair else None
        if series is None or pair is None or me is None:
            raise DomainError("That 1:1 isn't one of yours.")
        other = pair.other(me.id)
        if not series.active:
            raise DomainError("Your 1:1 with {} has already ended.", other.slack_user_id)
        series.active = False
        series.ended_at = now
        series_store.cancel_future_meetings(session, series.id, now)
        _notify_series(session, MessageKind.SERIES_CANCELLED, "cancelled", series, other, me, now)
        return _summary(series, other)


def people_lead(one: Person, other: Person) -> int | None:
    """The longer of two people's own lead times (Settings), or None when neither set one."""
    own = [p.prompt_lead_minutes for p in (one, other) if p.prompt_lead_minutes is not None]
    return max(own) if own else None


def notify(
    session: Session, kind: MessageKind, key: str, recipient: Person, by: Person, now: datetime, **params: Any
) -> None:
    """Queue a message telling `recipient` what `by` did (a skip, a move, a change to the series)."""
    outbox.enqueue(
        session,
        key=key,
        kind=kind,
        now=now,
        recipient_id=recipient.id,
        params={"by": by.id, **params},
        meeting_id=params.get("meeting_id"),
    )


def refuse_past(start: date | None, timezone: str, now: datetime) -> None:
    """A first day before today in `timezone` is refused on the schedule modal's first-date field."""
    if start is not None and start < to_local(now, timezone).date():
        raise InvalidField(FIRST_DATE, f"The first date, {start.isoformat()}, is in the past.")


def _member(session: Session, pair: Pair, actor: Actor) -> Person | None:
    for person in (pair.member_a, pair.member_b):
        if person.slack_user_id == actor.user_id:
            return person
    return None


def _summary(series: Series, other: Person) -> SeriesSummary:
    return SeriesSummary(
        series.id, other.slack_user_id, series.cadence, series.weekday, series.local_time, series.timezone
    )


def _refuse_second_series(session: Session, pair: Pair, other: Person) -> None:
    if series_store.active_series(session, pair.id) is not None:
        raise SeriesExists(
            "You already have a recurring 1:1 with {0}. To change it, end it first with "
            "`/1on1 cancel {0}`, or move one meeting with `/1on1 reschedule`.",
            other.slack_user_id,
        )


def _next_meeting_or_refuse(session: Session, pair: Pair, other: Person, now: datetime, verb: str) -> Meeting:
    meeting = meeting_store.next_meeting(session, pair.id, now)
    if meeting is None:
        raise DomainError(f"There is no upcoming 1:1 with {{}} to {verb}.", other.slack_user_id)
    return meeting


def _notify_series(
    session: Session,
    kind: MessageKind,
    word: str,
    series: Series,
    recipient: Person,
    by: Person,
    now: datetime,
) -> None:
    """Tell the other person the series started or ended (keys "series:<id>:<word>", as they always were)."""
    key = outbox_key(kind, series.id, word, prefix=SERIES_KEY_PREFIX)
    notify(session, kind, key, recipient, by, now, series_id=series.id)
