"""Editing a running series from its next meeting on, as either of its two people (the schedule modal's
Edit): the form it starts from, the change, and the meetings replanned to follow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.domain.cadence import (
    Cadence,
    first_meeting_date,
    local_wall_time_to_utc,
    next_occurrence,
    occurrences_between,
    to_local,
)
from bot.domain.errors import DomainError
from bot.domain.meetings import HORIZON, MeetingStatus, prompt_time
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.series_change import Change, Slot, Terms, changes, seen_from
from bot.services.messages.series_changed import leaders_as_slack_ids
from bot.services.pairs import Actor
from bot.services.series import notify, refuse_past
from bot.store import meetings as meeting_store
from bot.store import people
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person, Series


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
    refuse_past(edit.start, timezone, now)
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
            notify(
                session,
                MessageKind.SERIES_CHANGED,
                outbox_key(MessageKind.SERIES_CHANGED, series.id, source),
                other.id,
                me.id,
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
    affected = series_store.scheduled_from(session, series.id, since, now)
    by_day = series_store.meetings_on(session, series.id, [o.local_date for o in occurrences])
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
            successor = series_store.first_scheduled_after(session, series.pair_id, previous)
            series_store.move_agenda(session, meeting.id, successor)
        previous = max(previous, meeting.starts_at)
