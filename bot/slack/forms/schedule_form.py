"""The schedule modal as submitted (bot/slack/blocks/schedule_modal.py): a new series' ScheduleRequest, or
an edit's SeriesEdit. Every field that is wrong is refused at once, each under its own field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from bot.domain.errors import InvalidField
from bot.services.series import FIRST_DATE, PERSON, ScheduleRequest
from bot.services.series_edit import SeriesEdit
from bot.slack.blocks import schedule_modal as modal
from bot.slack.forms.state import input_state
from bot.slack.subcommands.grammar import MAX_DURATION, MAX_LEAD_HOURS, MIN_DURATION, MIN_LEAD_HOURS
from bot.slack.text import said_plainly

NOT_A_TIME = "Pick the time you meet."
_MINUTES = re.compile(r"^\s*([0-9]{1,3})\s*(?:m|min|mins|minutes)?\s*$", re.IGNORECASE)
_HOURS = re.compile(r"^\s*([0-9]{1,3})\s*(?:h|hours?)?\s*$", re.IGNORECASE)


class FormErrors(Exception):
    """Every field that is wrong, each with its message, shown all at once."""

    def __init__(self, by_field: dict[str, str]) -> None:
        super().__init__(", ".join(by_field))
        self.by_field = by_field


def read_request(view: dict[str, Any]) -> ScheduleRequest:
    """A new series as the form asks for it (who with is checked with Slack by the listener)."""
    form = _read(view, editing=False)
    assert form.other_user_id is not None
    return ScheduleRequest(
        form.other_user_id,
        form.cadence,
        form.weekday,
        form.at,
        form.duration_minutes,
        form.start,
        form.caller_is_manager,
        form.lead,
    )


def read_edit(view: dict[str, Any]) -> SeriesEdit:
    """A series' new terms as its Edit form says them (who it is with is not a choice there)."""
    form = _read(view, editing=True)
    return SeriesEdit(
        form.cadence,
        form.weekday,
        form.at,
        form.duration_minutes,
        form.start,
        form.caller_is_manager,
        form.lead,
    )


@dataclass(frozen=True)
class _Form:
    other_user_id: str | None  # None when editing: who it is with is not a choice
    caller_is_manager: bool
    cadence: str
    weekday: int
    at: time
    duration_minutes: int
    start: date | None
    lead: timedelta


def _read(view: dict[str, Any], *, editing: bool) -> _Form:
    """The form's values as Slack sent them; every field that is wrong is refused at once."""
    errors: dict[str, str] = {}

    def field(block: str, read: Callable[[dict[str, Any]], Any]) -> Any:
        try:
            return read(input_state(view, block, modal.VALUE))
        except InvalidField as error:
            errors[error.field] = said_plainly(error)
            return None

    other = None if editing else field(PERSON, _person)
    form = _Form(
        other_user_id=other,
        caller_is_manager=field(modal.LEADS, _leads),
        cadence=field(modal.CADENCE, _cadence),
        weekday=field(modal.WEEKDAY, _weekday),
        at=field(modal.TIME, _time),
        duration_minutes=field(modal.LENGTH, _length),
        start=field(FIRST_DATE, _start),
        lead=field(modal.LEAD, _lead),
    )
    if errors:
        raise FormErrors(errors)
    return form


def _chosen(state: dict[str, Any]) -> str:
    return str((state.get("selected_option") or {}).get("value") or "")


def _person(state: dict[str, Any]) -> str:
    user = state.get("selected_user")
    if not isinstance(user, str) or not re.fullmatch(r"[UW][A-Z0-9]{1,30}", user):
        raise InvalidField(PERSON, "Pick the person you meet with.")
    return user


def _leads(state: dict[str, Any]) -> bool:
    chosen = _chosen(state)
    if chosen not in modal.LEAD_CHOICES:
        raise InvalidField(modal.LEADS, "Say who leads it.")
    return chosen == modal.I_LEAD


def _cadence(state: dict[str, Any]) -> str:
    chosen = _chosen(state)
    if chosen not in modal.CADENCES:
        raise InvalidField(modal.CADENCE, "Pick how often you meet.")
    return chosen


def _weekday(state: dict[str, Any]) -> int:
    chosen = _chosen(state)
    if chosen not in modal.WEEKDAYS:
        raise InvalidField(modal.WEEKDAY, "Pick the day you meet.")
    return int(chosen)


def _time(state: dict[str, Any]) -> time:
    picked = str(state.get("selected_time") or "")
    if not re.fullmatch(r"[0-9]{2}:[0-9]{2}", picked):
        raise InvalidField(modal.TIME, NOT_A_TIME)
    try:
        return time.fromisoformat(picked)
    except ValueError:
        raise InvalidField(modal.TIME, NOT_A_TIME) from None


def _length(state: dict[str, Any]) -> int:
    match = _MINUTES.match(str(state.get("value") or ""))
    minutes = int(match.group(1)) if match else -1
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidField(
            modal.LENGTH, f"The length must be between {MIN_DURATION} and {MAX_DURATION} minutes, like 30."
        )
    return minutes


def _start(state: dict[str, Any]) -> date | None:
    picked = state.get("selected_date")
    if not picked:
        return None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(picked)):
            return date.fromisoformat(str(picked))
    except ValueError:
        pass
    raise InvalidField(FIRST_DATE, "That isn't a date.")


def _lead(state: dict[str, Any]) -> timedelta:
    match = _HOURS.match(str(state.get("value") or ""))
    hours = int(match.group(1)) if match else -1
    if not MIN_LEAD_HOURS <= hours <= MAX_LEAD_HOURS:
        raise InvalidField(
            modal.LEAD,
            f"Say how many hours before each meeting to ask for topics: from {MIN_LEAD_HOURS} to "
            f"{MAX_LEAD_HOURS}, like 24.",
        )
    return timedelta(hours=hours)
