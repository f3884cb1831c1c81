"""Setting up, skipping, moving and ending recurring 1:1s (editing one is bot/services/series_edit.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence, first_meeting_date, to_local
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import DEFAULT_LEAD, moved_start, prompt_time
from bot.domain.outbox import (
    MOVED_KEY_PREFIX,
    SERIES_KEY_PREFIX,
    SKIPPED_KEY_PREFIX,
    MessageKind,
    outbox_key,
)
from bot.services.materialise import materialise
from bot.services.pairs import (
    SEVERAL_SHOWN,
    Actor,
    check_not_self,
    no_pair_with,
    no_pairs,
    resolve_pair,
    several_pairs,
)
from bot.services.people import ZoneRule
from bot.store import home, outbox, writes
from bot.store import meetings as meeting_store
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person, Series
from bot.store.writes import Extra

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
    caller_zone: str | None = None  # the zone to answer in, when the command's rule judged the cached one


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
        _notify_series(session, MessageKind.SERIES_ANNOUNCED, "announced", series.id, other.id, me.id, now)
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
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    *,
    caller_zone: ZoneRule | None = None,
) -> MeetingChange:
    """`skip`: the next meeting skipped, the other person told (the caller's zone in the change, when
    `caller_zone` judged it).

    The acknowledgement path, so one transaction: the caller (with their cached zone), the 1:1, its next
    meeting and the one after it in one query; the meeting's UPDATE; the message's INSERT (and the
    request's record, added at the commit). The zone goes through `caller_zone` before anything is
    written, as `timezone_of` did before the pair was looked up."""
    check_not_self(actor, other_user_id)
    with sessions.begin() as session:
        found = callers_read(session, actor, other_user_id, now, Extra.FOLLOWING)
        zone = caller_zone(found.timezone, found.timezone_checked_at) if caller_zone else None
        pair = one_pair(found, other_user_id)
        meeting_id, starts_at = _next_or_refuse(pair, "skip")
        writes.skip_meeting(session, meeting_id)
        assert found.me_id is not None
        skipped = MessageKind.MEETING_SKIPPED
        key = outbox_key(skipped, meeting_id, prefix=SKIPPED_KEY_PREFIX)
        notify(session, skipped, key, pair.other_id, found.me_id, now, meeting_id=meeting_id)
        republish_homes(session, found.home_opened_of(pair))
    return MeetingChange(pair.other_user_id, starts_at, pair.following_starts_at, zone)


def reschedule_next(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    day: date | int | str,
    at: time,
    timezone: str | None = None,
    *,
    caller_zone: ZoneRule | None = None,
) -> MeetingChange:
    """`reschedule`: the next meeting moved, the other person told. The new time is read in `timezone`,
    or in the zone `caller_zone` judges (then given back in the change). One transaction, as `skip_next`:
    one read (the meeting's series with it, for the prompt's lead), the meeting's UPDATE, the message's
    INSERT, the record."""
    check_not_self(actor, other_user_id)
    with sessions.begin() as session:
        found = callers_read(session, actor, other_user_id, now, Extra.MEETING_SERIES)
        zone = caller_zone(found.timezone, found.timezone_checked_at) if caller_zone else None
        zone_used = zone or timezone
        assert zone_used is not None, "a zone, or a rule to judge the cached one"
        starts_at = moved_start(day, at, zone_used, now)
        pair = one_pair(found, other_user_id)
        meeting_id, was_at = _next_or_refuse(pair, "move")
        assert pair.meeting_ends_at is not None and pair.lead_minutes is not None
        # Its length and the series' lead time stay as they were (as `move_meeting`).
        lead = series_store.lead_of(pair.lead_minutes, pair.people_lead_minutes)
        ends_at = starts_at + (pair.meeting_ends_at - was_at)
        writes.move_meeting(session, meeting_id, starts_at, ends_at, prompt_time(starts_at, lead))
        assert found.me_id is not None
        moved = MessageKind.MEETING_MOVED
        key = outbox_key(moved, meeting_id, int(starts_at.timestamp()), prefix=MOVED_KEY_PREFIX)
        notify(session, moved, key, pair.other_id, found.me_id, now, meeting_id=meeting_id)
        republish_homes(session, found.home_opened_of(pair))
    return MeetingChange(pair.other_user_id, starts_at, caller_zone=zone)


def callers_read(
    session: Session, actor: Actor, other_user_id: str | None, now: datetime, extra: Extra
) -> writes.Caller:
    """A write command's one read (`writes.caller`): enough of the caller's 1:1s to tell one from several."""
    return writes.caller(
        session, actor.team_id, actor.user_id, other_user_id, now, extra=extra, limit=SEVERAL_SHOWN + 1
    )


def one_pair(found: writes.Caller, other_user_id: str | None) -> writes.PairOfCaller:
    """The 1:1 a command is about, among the caller's (`writes.caller`): `resolve_pair`'s answers."""
    if other_user_id is not None and not found.pairs:
        raise no_pair_with(other_user_id)
    if not found.pairs:
        raise no_pairs()
    if len(found.pairs) > 1:
        raise several_pairs([pair.other_user_id for pair in found.pairs])
    return found.pairs[0]


def _next_or_refuse(pair: writes.PairOfCaller, verb: str) -> tuple[int, datetime]:
    if pair.meeting_id is None or pair.meeting_starts_at is None:
        raise DomainError(f"There is no upcoming 1:1 with {{}} to {verb}.", pair.other_user_id)
    return pair.meeting_id, pair.meeting_starts_at


def republish_homes(session: Session, opened: tuple[int, ...]) -> None:
    """The Home hook does not see Core writes: the Home tabs of those of the two who opened theirs (the read
    said who) are queued here; nothing, and no query, for people who never opened it."""
    if opened:
        home.republish(session, opened, home.DUE_AT_ONCE)


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
    """The series `cancel @person` would end; nothing changes until it is confirmed. One query: the caller,
    the 1:1 and its running series."""
    check_not_self(actor, other_user_id)
    with sessions() as session:
        found = writes.caller(
            session, actor.team_id, actor.user_id, other_user_id, now, extra=Extra.ACTIVE_SERIES, limit=1
        )
        pair = one_pair(found, other_user_id)
    if pair.series_id is None:
        raise DomainError("You have no recurring 1:1 with {} to cancel.", other_user_id)
    assert pair.cadence is not None and pair.weekday is not None and pair.local_time is not None
    assert pair.series_timezone is not None
    return SeriesSummary(
        pair.series_id, pair.other_user_id, pair.cadence, pair.weekday, pair.local_time, pair.series_timezone
    )


def cancel(sessions: SessionFactory, now: datetime, actor: Actor, series_id: int) -> SeriesSummary:
    """The Confirm click of `cancel`: the series ends, its future meetings are cancelled, the other person
    is told. One read (the series with its pair's two people), the series' UPDATE (only a running series
    takes it: two clicks at once end it once), the meetings' UPDATE, the message's INSERT."""
    with sessions.begin() as session:
        found = writes.series_of_pair(session, series_id)
        me = found.member(actor.user_id) if found else None
        if found is None or me is None:
            raise DomainError("That 1:1 isn't one of yours.")
        other = found.other(me.person_id)
        if not found.active or not writes.end_series(session, series_id, now):
            raise DomainError("Your 1:1 with {} has already ended.", other.user_id)
        series_store.cancel_future_meetings(session, series_id, now)
        ended = MessageKind.SERIES_CANCELLED
        _notify_series(session, ended, "cancelled", series_id, other.person_id, me.person_id, now)
        republish_homes(session, tuple(member.person_id for member in found.people if member.home_opened))
        return SeriesSummary(
            series_id, other.user_id, found.cadence, found.weekday, found.local_time, found.timezone
        )


def people_lead(one: Person, other: Person) -> int | None:
    """The longer of two people's own lead times (Settings), or None when neither set one."""
    own = [p.prompt_lead_minutes for p in (one, other) if p.prompt_lead_minutes is not None]
    return max(own) if own else None


def notify(
    session: Session, kind: MessageKind, key: str, recipient_id: int, by_id: int, now: datetime, **params: Any
) -> None:
    """Queue a message telling the recipient what `by_id` did (a skip, a move, a change to the series)."""
    outbox.enqueue(
        session,
        key=key,
        kind=kind,
        now=now,
        recipient_id=recipient_id,
        params={"by": by_id, **params},
        meeting_id=params.get("meeting_id"),
    )


def refuse_past(start: date | None, timezone: str, now: datetime) -> None:
    """A first day before today in `timezone` is refused on the schedule modal's first-date field."""
    if start is not None and start < to_local(now, timezone).date():
        raise InvalidField(FIRST_DATE, f"The first date, {start.isoformat()}, is in the past.")


def _refuse_second_series(session: Session, pair: Pair, other: Person) -> None:
    if series_store.active_series(session, pair.id) is not None:
        raise SeriesExists(
            "You already have a recurring 1:1 with {0}. To change it, end it first with "
            "`/1on1 cancel {0}`, or move one meeting with `/1on1 reschedule`.",
            other.slack_user_id,
        )


def _notify_series(
    session: Session,
    kind: MessageKind,
    word: str,
    series_id: int,
    recipient_id: int,
    by_id: int,
    now: datetime,
) -> None:
    """Tell the other person the series started or ended (keys "series:<id>:<word>", as they always were)."""
    key = outbox_key(kind, series_id, word, prefix=SERIES_KEY_PREFIX)
    notify(session, kind, key, recipient_id, by_id, now, series_id=series_id)
