"""The settings modal as submitted (bot/slack/blocks/settings_modal.py): a SettingsInput. Values a person can
leave out (a time) stay None for the domain to name; a value no person could have picked is refused here."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from bot.domain.errors import InvalidField
from bot.domain.settings import Field
from bot.services.settings import SettingsInput
from bot.slack.blocks.settings_modal import OWN_LEAD, PULSE_AS_MANAGER, PULSE_AS_REPORT, QUESTION_ON, VALUE
from bot.slack.forms.state import input_state
from bot.slack.payloads import parse_id

TIME_PICKED = "Pick a time from the list."


def read_settings(view: dict[str, Any]) -> SettingsInput:
    """The submitted form as values; a value no person could have picked (a crafted one) is refused."""
    days = set()
    for option in _state(view, Field.DAYS).get("selected_options") or []:
        day = parse_id(option.get("value"))
        if day is None or day > 6:
            raise InvalidField(Field.DAYS, "Pick working days from the list.")
        days.add(day)
    questions = _state(view, Field.QUESTION).get("selected_options") or []
    values = (view.get("state") or {}).get("values") or {}
    picked = _state(view, Field.PULSE).get("selected_options") or []
    pulse = {str(option.get("value")) for option in picked if isinstance(option, dict)}
    return SettingsInput(
        days=frozenset(days),
        start=_time(view, Field.START),
        end=_time(view, Field.END),
        lead_minutes=_lead(view),
        question_suggestions=any(option.get("value") == QUESTION_ON for option in questions),
        holidays=_text(view, Field.HOLIDAYS),
        away_from=_date(view, Field.AWAY_FROM),
        away_to=_date(view, Field.AWAY_TO),
        busy_url=_text(view, Field.BUSY_URL),
        # A form opened before these fields existed leaves them as they are (no blank overwrites them).
        has_calendar_fields=Field.HOLIDAYS in values,
        # A form from before the pulse field leaves it as it is (None).
        pulse_as_report=PULSE_AS_REPORT in pulse if Field.PULSE in values else None,
        pulse_as_manager=PULSE_AS_MANAGER in pulse if Field.PULSE in values else None,
    )


def _text(view: dict[str, Any], block: Field) -> str | None:
    value = _state(view, block).get("value")
    return str(value).strip() or None if value else None


def _date(view: dict[str, Any], block: Field) -> date | None:
    picked = _state(view, block).get("selected_date")
    if not picked:
        return None
    try:
        return date.fromisoformat(str(picked))
    except ValueError:
        raise InvalidField(block, "Pick a date from the calendar.") from None


def _state(view: dict[str, Any], block: Field) -> dict[str, Any]:
    return input_state(view, block, VALUE)


def _time(view: dict[str, Any], block: Field) -> time | None:
    picked = _state(view, block).get("selected_time")
    if not picked:
        return None  # the domain says which time is missing
    try:
        return time.fromisoformat(str(picked))
    except ValueError:
        raise InvalidField(block, TIME_PICKED) from None


def _lead(view: dict[str, Any]) -> int | None:
    value = (_state(view, Field.LEAD).get("selected_option") or {}).get("value")
    if value == OWN_LEAD:
        return None
    minutes = parse_id(value)
    if minutes is None:
        raise InvalidField(Field.LEAD, "Pick one of the choices for when you are asked for topics.")
    return minutes  # the domain checks its range
