"""A person's settings on their row (bot/store/models.py Person), and the meetings a new lead time moves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.domain.settings import PersonalSettings, WorkingHours, days_to_digits, settings_of
from bot.store.models import Meeting, Person


def settings_of_person(person: Person | None) -> PersonalSettings:
    """What the person chose, the defaults where they chose nothing (or are not known yet)."""
    if person is None:
        return PersonalSettings()
    return settings_of(
        person.work_days,
        person.work_start,
        person.work_end,
        person.prompt_lead_minutes,
        person.question_suggestions,
        person.pulse_as_report,
        person.pulse_as_manager,
    )


def hours_of(person: Person) -> WorkingHours:
    return settings_of_person(person).hours


def store(person: Person, chosen: PersonalSettings) -> None:
    person.work_days = days_to_digits(chosen.hours.days)
    person.work_start = chosen.hours.start
    person.work_end = chosen.hours.end
    person.prompt_lead_minutes = chosen.lead_minutes
    person.question_suggestions = chosen.question_suggestions
    person.pulse_as_report = chosen.pulse_as_report
    person.pulse_as_manager = chosen.pulse_as_manager


def unprompted_meetings(session: Session, series_ids: Sequence[int], now: datetime) -> list[Meeting]:
    """The series' meetings still ahead whose prompt is not queued yet: those a new lead time moves.

    Six weeks of one person's few series: a handful of rows.
    """
    if not series_ids:
        return []
    return list(
        session.scalars(
            select(Meeting).where(
                Meeting.series_id.in_(series_ids),
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.prompt_queued_at.is_(None),
                Meeting.starts_at > now,
            )
        )
    )
