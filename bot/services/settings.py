"""A person's own settings: reading them for the form, and saving a new choice.

Saving a new lead time moves the prompt of every meeting of theirs not yet prompted: a change takes
effect from the next prompt, and a prompt already queued stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from bot.domain.meetings import DEFAULT_LEAD, prompt_time
from bot.domain.settings import PersonalSettings, validated
from bot.services.pairs import Actor
from bot.services.series import people_lead
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


@dataclass(frozen=True)
class SettingsForm:
    """What the settings modal shows: the person's settings, in their zone, beside their 1:1s' leads."""

    settings: PersonalSettings
    timezone: str | None  # None until the bot learns it from Slack
    series_leads: tuple[int, ...]  # the lead times (minutes) of their active 1:1s, each once, shortest first


def settings_form(sessions: SessionFactory, actor: Actor) -> SettingsForm:
    with sessions() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        return _form(session, me)


def save_settings(sessions: SessionFactory, now: datetime, actor: Actor, form: SettingsInput) -> SettingsForm:
    """Store the person's choice (nothing on a refusal) and return it as the form now shows it."""
    chosen = validated(form.days, form.start, form.end, form.lead_minutes, form.question_suggestions)
    with sessions.begin() as session:
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        lead_changed = me.prompt_lead_minutes != chosen.lead_minutes
        store.store(me, chosen)
        if lead_changed:
            _move_prompts(session, me, now)
        return _form(session, me)


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


def _form(session: Session, me: Person | None) -> SettingsForm:
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
    )
