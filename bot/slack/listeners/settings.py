"""Settings: the modal from the Home tab's *Settings* button (and `/1on1 settings`), and saving it.

A save answers with `response_action: update`: the modal turns into what now applies, where the person is
looking, instead of a DM about their own click (the DM is where prompts and summaries live).
"""

from __future__ import annotations

from datetime import time
from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import DomainError, InvalidField
from bot.domain.settings import Field
from bot.services import settings
from bot.services.pairs import Actor
from bot.services.settings import SettingsInput
from bot.slack import ids
from bot.slack.blocks.settings_modal import OWN_LEAD, QUESTION_ON, VALUE, settings_modal, settings_saved
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id
from bot.slack.rim import OpenModal, on_click
from bot.slack.text import said_plainly

TIME_PICKED = "Pick a time from the list."


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.SETTINGS_OPEN, lambda deps, actor, _: open_settings(deps, actor))

    @app.view(ids.SETTINGS_MODAL)
    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            saved = settings.save_settings(deps.sessions, deps.clock(), actor_of(body), read_form(view))
        except DomainError as error:
            # Under its field, as plain text; the modal stays open with what the person chose.
            field = error.field if isinstance(error, InvalidField) else Field.DAYS
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        ack(response_action="update", view=settings_saved(saved))


def open_settings(deps: Deps, actor: Actor) -> OpenModal:
    """The modal filled with the person's settings (the defaults where they chose nothing yet)."""
    return OpenModal(settings_modal(settings.settings_form(deps.sessions, actor)))


def read_form(view: dict[str, Any]) -> SettingsInput:
    """The submitted form as values; a value no person could have picked (a crafted one) is refused."""
    days = set()
    for option in _state(view, Field.DAYS).get("selected_options") or []:
        day = parse_id(option.get("value"))
        if day is None or day > 6:
            raise InvalidField(Field.DAYS, "Pick working days from the list.")
        days.add(day)
    questions = _state(view, Field.QUESTION).get("selected_options") or []
    return SettingsInput(
        days=frozenset(days),
        start=_time(view, Field.START),
        end=_time(view, Field.END),
        lead_minutes=_lead(view),
        question_suggestions=any(option.get("value") == QUESTION_ON for option in questions),
    )


def _state(view: dict[str, Any], block: Field) -> dict[str, Any]:
    """One input's state as Slack sends it (`{}` when the block is missing or its value null)."""
    return ((view.get("state", {}).get("values", {}).get(block) or {}).get(VALUE)) or {}


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
