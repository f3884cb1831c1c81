"""Setting up, skipping, moving and ending recurring 1:1s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.cadence import (
    Cadence,
    first_meeting_date,
    local_wall_time_to_utc,
    next_occurrence,
    occurrences_between,
    to_local,
)
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import DEFAULT_LEAD, HORIZON, MeetingStatus, moved_start, prompt_time
from bot.domain.outbox import (
    MOVED_KEY_PREFIX,
    SERIES_KEY_PREFIX,
    SKIPPED_KEY_PREFIX,
    MessageKind,
    outbox_key,
)
from bot.domain.series_change import Change, Slot, Terms, changes, seen_from
from bot.services.materialise import materialise
from bot.services.messages.series_changed import leaders_as_slack_ids
from bot.services.pairs import Actor, resolve_pair
from bot.store import meetings as meeting_store
from bot.store import outbox, people
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Note, Pair, Person, Series, Topic

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


@dataclass(frozen=True)
class SeriesForm:
    """A series as the schedule modal shows one of its two people: the slot and its next day in their zone."""

    series_id: int
    other_user_id: str
    cadence: Cadence
    weekday: int
    at: time
    duration_minutes: int
    start: date  # the next meeting's day: an edit applies from there
    caller_is_manager: bool
    lead: timedelta


@dataclass(frozen=True)
class SeriesEdit:
    """What the schedule modal's editor submitted; the weekday, time and first day are in their zone."""

    cadence: str
    weekday: int
    at: time
    duration_minutes: int
    start: date | None  # the first day the change applies to; None: from now on
    caller_is_manager: bool
    lead: timedelta


@dataclass(frozen=True)
class Edited:
    series_id: int
    other_user_id: str
    changes: tuple[Change, ...]  # as the editor sees them; empty: nothing changed and nobody was told
    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str
    duration_minutes: int
    next_starts_at: datetime | None


class SeriesEnded(DomainError):
    """The series was ended (cancelled) by one of the two: nothing left to edit."""


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
    _refuse_past(request.start, timezone, now)
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
        _notify(
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
        _notify(
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


def check_editable(sessions: SessionFactory, actor: Actor, series_id: int) -> None:
    """Refuses (as `series_form` would) unless the actor is one of the series' two people and it still runs:
    asked before anything else is done for an Edit click, so a crafted one sets nothing off."""
    with sessions() as session:
        _own_active_series(session, actor, series_id)


def series_form(
    sessions: SessionFactory, now: datetime, actor: Actor, series_id: int, timezone: str
) -> SeriesForm:
    """The series as its edit form shows it to the actor, in their `timezone`; refused to anyone else."""
    with sessions() as session:
        series, pair, me = _own_active_series(session, actor, series_id)
        slot, start = _as_seen(series, timezone, now)
        return SeriesForm(
            series_id=series.id,
            other_user_id=pair.other(me.id).slack_user_id,
            cadence=series.cadence,
            weekday=slot.weekday,
            at=slot.local_time,
            duration_minutes=series.duration_minutes,
            start=start,
            caller_is_manager=pair.manager_id == me.id,
            lead=timedelta(minutes=series.lead_minutes),
        )


def edit_series(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    series_id: int,
    edit: SeriesEdit,
    timezone: str,
    *,
    source: str,
) -> Edited:
    """Change a series from `edit.start` (or now) on, as either of its two people; the other is told.

    Held, skipped and earlier meetings stay as they were; later scheduled ones follow the new terms, and
    the topics of one that no longer exists go to the meeting that takes its place. `timezone` is the
    editor's: a slot they changed is kept in their zone, one they left alone keeps the series' own.
    `source` names the submission, so the same form delivered twice tells the other person once.
    """
    _refuse_past(edit.start, timezone, now)
    with sessions.begin() as session:
        series, pair, me = _own_active_series(session, actor, series_id, lock=True)
        other = pair.other(me.id)
        before = _terms(series, pair)
        after = _edited_terms(series, pair, me, edit, timezone, now)
        since = _since(edit.start, timezone, now)
        found = changes(before, after, since, timezone)
        if found:
            _apply(series, pair, after)
            _replan(session, series, now, since)
            _notify(
                session,
                MessageKind.SERIES_CHANGED,
                outbox_key(MessageKind.SERIES_CHANGED, series.id, source),
                other,
                me,
                now,
                series_id=series.id,
                before=before.to_params(),
                after=after.to_params(),
                since=since.isoformat(),
            )
        upcoming = meeting_store.next_meeting(session, pair.id, now)
        return Edited(
            series_id=series.id,
            other_user_id=other.slack_user_id,
            changes=tuple(leaders_as_slack_ids(session, found)),
            cadence=series.cadence,
            weekday=series.weekday,
            local_time=series.local_time,
            timezone=series.timezone,
            duration_minutes=series.duration_minutes,
            next_starts_at=upcoming.starts_at if upcoming else None,
        )


def people_lead(one: Person, other: Person) -> int | None:
    """The longer of two people's own lead times (Settings), or None when neither set one."""
    own = [p.prompt_lead_minutes for p in (one, other) if p.prompt_lead_minutes is not None]
    return max(own) if own else None


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
    _notify(session, kind, key, recipient, by, now, series_id=series.id)


def _notify(
    session: Session, kind: MessageKind, key: str, recipient: Person, by: Person, now: datetime, **params: Any
) -> None:
    outbox.enqueue(
        session,
        key=key,
        kind=kind,
        now=now,
        recipient_id=recipient.id,
        params={"by": by.id, **params},
        meeting_id=params.get("meeting_id"),
    )


def _refuse_past(start: date | None, timezone: str, now: datetime) -> None:
    if start is not None and start < to_local(now, timezone).date():
        raise InvalidField(FIRST_DATE, f"The first date, {start.isoformat()}, is in the past.")


def _own_active_series(
    session: Session, actor: Actor, series_id: int, *, lock: bool = False
) -> tuple[Series, Pair, Person]:
    """The series, if the actor is one of its two people and it still runs; the same refusal for a missing
    and a foreign id, so a crafted id learns nothing."""
    series = session.get(Series, series_id, with_for_update=lock)
    pair = session.get(Pair, series.pair_id) if series else None
    me = people.find_person(session, actor.team_id, actor.user_id)
    if series is None or pair is None or me is None or me.id not in (pair.member_a_id, pair.member_b_id):
        raise DomainError("That 1:1 isn't one of yours.")
    if not series.active:
        raise SeriesEnded("Your 1:1 with {} has already ended.", pair.other(me.id).slack_user_id)
    return series, pair, me


def _as_seen(series: Series, timezone: str, now: datetime) -> tuple[Slot, date]:
    """The series' slot and its next meeting's day, in `timezone`."""
    seen = seen_from(series_store.rule_of(series), timezone, now)
    if seen is None:  # past the calendar's end: the rule as written
        return Slot(series.weekday, series.local_time), to_local(now, timezone).date()
    return seen


def _terms(series: Series, pair: Pair) -> Terms:
    return Terms(
        cadence=series.cadence,
        weekday=series.weekday,
        local_time=series.local_time,
        timezone=series.timezone,
        first_date=series.first_date,
        duration_minutes=series.duration_minutes,
        lead_minutes=series.lead_minutes,
        leader_id=pair.manager_id,
    )


def _edited_terms(
    series: Series, pair: Pair, me: Person, edit: SeriesEdit, timezone: str, now: datetime
) -> Terms:
    slot, shown_start = _as_seen(series, timezone, now)
    moved = (edit.weekday, edit.at) != (slot.weekday, slot.local_time)
    # A slot the editor changed is theirs, in their zone; one they left as shown keeps the series' own
    # words, so an edit of the length by someone abroad doesn't move the meeting across a DST change.
    weekday, at, zone = (
        (edit.weekday, edit.at, timezone) if moved else (series.weekday, series.local_time, series.timezone)
    )
    cadence = Cadence(edit.cadence)
    first_date = series.first_date  # keeps which weeks a biweekly series meets, and a monthly one's week
    if moved or cadence is not series.cadence or (edit.start is not None and edit.start != shown_start):
        first_date = first_meeting_date(weekday, edit.start or to_local(now, zone).date())
    return Terms(
        cadence=cadence,
        weekday=weekday,
        local_time=at,
        timezone=zone,
        first_date=first_date,
        duration_minutes=edit.duration_minutes,
        lead_minutes=int(edit.lead.total_seconds() // 60),
        leader_id=me.id if edit.caller_is_manager else pair.other(me.id).id,
    )


def _since(start: date | None, timezone: str, now: datetime) -> datetime:
    """From when an edit applies: the start of its first day in the editor's zone, never the past."""
    return max(now, local_wall_time_to_utc(start, time(0), timezone)) if start else now


def _apply(series: Series, pair: Pair, terms: Terms) -> None:
    series.cadence = terms.cadence
    series.weekday = terms.weekday
    series.local_time = terms.local_time
    series.timezone = terms.timezone
    series.first_date = terms.first_date
    series.duration_minutes = terms.duration_minutes
    series.lead_minutes = terms.lead_minutes
    pair.manager_id = terms.leader_id


def _replan(session: Session, series: Series, now: datetime, since: datetime) -> None:
    """The series' scheduled meetings from `since` on follow its (new) rule; the rest stay as they were.

    Rows are matched by local date, an occurrence's identity: a day the new rule still meets on keeps its
    row (and its topics) at the new time; a day it no longer meets on is cancelled, and its topics and
    notes go to the meeting that now follows the one before it. A cancelled day the rule meets on again
    (a later edit back) is the same row again, since a day can't hold two rows.
    """
    rule = series_store.rule_of(series)
    until = max(series.materialised_until, now + HORIZON)
    occurrences = [o for o in occurrences_between(rule, since, until) if o.starts_at > now]
    if not occurrences and (upcoming := next_occurrence(rule, since)) is not None:
        occurrences, until = [upcoming], max(until, upcoming.ends_at)
    affected = _scheduled_from(session, series.id, since, now)
    by_day = _meetings_on(session, series.id, [o.local_date for o in occurrences])
    lead = series_store.prompt_lead(series)
    kept: set[int] = set()
    new = []
    for occurrence in occurrences:
        row = by_day.get(occurrence.local_date)
        if row is None:
            new.append(occurrence)
        elif row.status is MeetingStatus.CANCELLED or row in affected:
            row.status = MeetingStatus.SCHEDULED
            row.starts_at, row.ends_at = occurrence.starts_at, occurrence.ends_at
            row.prompt_at = prompt_time(occurrence.starts_at, lead)
            kept.add(row.id)
        # else held, skipped or under way: it stays as it was
    series_store.add_meetings(session, series_store.meeting_rows(series, new, now))
    series.materialised_until = until
    # Each dropped meeting's topics go to the first meeting after the one planned before it (after `since`
    # for the first): the meeting that now takes its place, never one that was already before it.
    previous = since
    for meeting in affected:
        if meeting.id not in kept:
            meeting.status = MeetingStatus.CANCELLED
            _move_agenda(session, meeting.id, _first_scheduled_after(session, series.pair_id, previous))
        previous = max(previous, meeting.starts_at)


# Queries of the edit. TODO(lead): these belong in bot/store/series.py (SQL stays in store/); kept here only
# while another helper owns that file.


def _scheduled_from(session: Session, series_id: int, since: datetime, now: datetime) -> list[Meeting]:
    """The series' scheduled meetings starting at `since` or later (and after `now`), soonest first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.series_id == series_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at >= since,
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at)
            .with_for_update()
        )
    )


def _meetings_on(session: Session, series_id: int, days: Sequence[date]) -> dict[date, Meeting]:
    if not days:
        return {}
    found = session.scalars(
        select(Meeting).where(Meeting.series_id == series_id, Meeting.local_date.in_(days))
    )
    return {meeting.local_date: meeting for meeting in found}


def _first_scheduled_after(session: Session, pair_id: int, instant: datetime) -> Meeting | None:
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > instant,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def _move_agenda(session: Session, from_meeting_id: int, to: Meeting | None) -> None:
    """A dropped meeting's topics and notes go to `to` (None: the pair's next meeting, whenever it is)."""
    target = to.id if to else None
    for model in (Topic, Note):
        session.execute(
            update(model)
            .where(model.meeting_id == from_meeting_id)
            .values(meeting_id=target)
            .execution_options(synchronize_session=False)
        )
