"""A person's own settings: reading them for the form, and saving a new choice.

Saving a new lead time moves the prompt of every meeting of theirs not yet prompted: a change takes
effect from the next prompt, and a prompt already queued stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from bot.domain.away import checked_range, parse_holiday_place, place_text
from bot.domain.cadence import to_local
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import DEFAULT_LEAD, prompt_time
from bot.domain.settings import Field, PersonalSettings, validated
from bot.services import calendar_busy
from bot.services.pairs import Actor
from bot.services.people import FALLBACK_TIMEZONE
from bot.services.series import people_lead
from bot.store import away as away_store
from bot.store import people
from bot.store import series as series_store
from bot.store import settings as store
from bot.store.db import SessionFactory
from bot.store.models import Person


@dataclass(frozen=True)
class SettingsInput:
    """The form as submitted; checked by the domain's rules before anything is stored."""

    days: frozenset[int]
    start: time | None
    end: time | None
    lead_minutes: int | None  # None: each 1:1's own lead time
    question_suggestions: bool
    # Issue 13 (None where left blank): a holiday place ("DE-BY"), time away, their own calendar's address.
    holidays: str | None = None
    away_from: date | None = None
    away_to: date | None = None
    busy_url: str | None = None
    has_calendar_fields: bool = False  # False: a form from before these fields: they are left as they are
    # Issue 14, the pulse check-in: in 1:1s they don't lead, in 1:1s they lead. None: a form from before
    # the field, which leaves both as they are.
    pulse_as_report: bool | None = None
    pulse_as_manager: bool | None = None


@dataclass(frozen=True)
class SettingsForm:
    """What the settings modal shows: the person's settings, in their zone, beside their 1:1s' leads."""

    settings: PersonalSettings
    timezone: str | None  # None until the bot learns it from Slack
    series_leads: tuple[int, ...]  # the lead times (minutes) of their active 1:1s, each once, shortest first
    holiday_place: str = ""  # "DE-BY"; "" for none
    away: tuple[date, date] | None = None  # their next (or current) stretch of time away
    busy_url: str | None = None


def settings_form(sessions: SessionFactory, actor: Actor, now: datetime | None = None) -> SettingsForm:
    with sessions() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        return _form(session, me, now)


def save_settings(
    sessions: SessionFactory, now: datetime, actor: Actor, form: SettingsInput, *, allow_private: bool = False
) -> SettingsForm:
    """Store the person's choice (nothing on a refusal) and return it as the form now shows it."""
    chosen = validated(
        form.days,
        form.start,
        form.end,
        form.lead_minutes,
        form.question_suggestions,
        pulse_as_report=form.pulse_as_report is not False,
        pulse_as_manager=form.pulse_as_manager is True,
    )
    if form.has_calendar_fields:
        place = _holiday_place(form.holidays)
        with sessions() as session:
            stretch = _time_away(
                session, people.find_person(session, actor.team_id, actor.user_id), form, now
            )
        _calendar_address(sessions, now, actor, form.busy_url, allow_private)  # last: it stores
    with sessions.begin() as session:
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        lead_changed = me.prompt_lead_minutes != chosen.lead_minutes
        if form.pulse_as_report is None or form.pulse_as_manager is None:
            chosen = replace(chosen, pulse_as_report=me.pulse_as_report, pulse_as_manager=me.pulse_as_manager)
        store.store(me, chosen)
        if form.has_calendar_fields:
            me.holiday_country, me.holiday_region = place
            if stretch is not None:
                away_store.set_stretch(session, me.id, *stretch, now)
        if lead_changed:
            _move_prompts(session, me, now)
        return _form(session, me, now)


def _holiday_place(text: str | None) -> tuple[str | None, str | None]:
    try:
        return parse_holiday_place(text)
    except DomainError as error:
        raise InvalidField(Field.HOLIDAYS, error.message) from None


def _calendar_address(
    sessions: SessionFactory, now: datetime, actor: Actor, url: str | None, allow_private: bool
) -> None:
    """Their calendar's address, checked and stored by bot/services/calendar_busy.py (which keeps what was
    read from an unchanged address); a refusal shows on the field, before anything else is stored."""
    try:
        calendar_busy.set_busy_url(sessions, now, actor, url, allow_private=allow_private)
    except InvalidField:
        raise
    except DomainError as error:
        raise InvalidField(Field.BUSY_URL, error.message) from None


def _time_away(
    session: Session, me: Person | None, form: SettingsInput, now: datetime
) -> tuple[date, date] | None:
    """Dates picked: a stretch of time away to add (merged with others), checked. The stretch the form
    showed, unchanged, is left alone (it may have begun already); clearing the dates changes nothing."""
    if form.away_from is None and form.away_to is None:
        return None
    if form.away_from is None:
        raise InvalidField(Field.AWAY_FROM, "Pick the first day you are away (or clear both dates).")
    if _next_stretch(session, me, now) == (form.away_from, form.away_to or form.away_from):
        return None
    today = to_local(now, (me.timezone if me else None) or FALLBACK_TIMEZONE).date()
    try:
        return checked_range(form.away_from, form.away_to, today)
    except DomainError as error:
        field = (
            Field.AWAY_TO if form.away_to is not None and form.away_to < form.away_from else Field.AWAY_FROM
        )
        raise InvalidField(field, error.message) from None


def _next_stretch(session: Session, me: Person | None, now: datetime) -> tuple[date, date] | None:
    if me is None:
        return None
    today = to_local(now, me.timezone or FALLBACK_TIMEZONE).date()
    found = away_store.stretches(session, me.id, today)
    return found[0] if found else None


def _move_prompts(session: Session, me: Person, now: datetime) -> None:
    """Each active 1:1 of theirs is prompted at the earliest either person wants; re-time the meetings
    whose prompt is not queued yet (each person's own prompt then waits for its time in the outbox)."""
    pairs = {pair.id: pair for pair in people.pairs_of(session, me)}
    active = series_store.active_series_of_pairs(session, sorted(pairs))
    for series in active.values():
        pair = pairs[series.pair_id]
        series.people_lead_minutes = people_lead(pair.member_a, pair.member_b)
    by_id = {series.id: series for series in active.values()}
    for meeting in store.unprompted_meetings(session, sorted(by_id), now):
        meeting.prompt_at = prompt_time(meeting.starts_at, series_store.prompt_lead(by_id[meeting.series_id]))


def _form(session: Session, me: Person | None, now: datetime | None = None) -> SettingsForm:
    leads: set[int] = set()
    if me is not None:
        pair_ids = [pair.id for pair in people.pairs_of(session, me)]
        leads = {
            series.lead_minutes for series in series_store.active_series_of_pairs(session, pair_ids).values()
        }
    return SettingsForm(
        settings=store.settings_of_person(me),
        timezone=me.timezone if me else None,
        series_leads=tuple(sorted(leads)) or (int(DEFAULT_LEAD.total_seconds() // 60),),
        holiday_place=place_text(me.holiday_country, me.holiday_region) if me else "",
        away=_next_stretch(session, me, now) if now is not None else None,
        busy_url=me.busy_url if me else None,
    )
