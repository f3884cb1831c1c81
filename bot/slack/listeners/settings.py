"""Settings: the modal from the Home tab's *Settings* button (and `/1on1 settings`), and saving it.

A save answers with `response_action: update`: the modal turns into what now applies, where the person is
looking, instead of a DM about their own click (the DM is where prompts and summaries live).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import DomainError, InvalidField
from bot.domain.settings import Field
from bot.services import settings
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.settings_modal import settings_modal, settings_saved
from bot.slack.deps import Deps
from bot.slack.forms.settings_form import read_settings
from bot.slack.payloads import actor_of
from bot.slack.rim import OpenModal, on_click
from bot.slack.text import said_plainly


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.SETTINGS_OPEN, lambda deps, actor, _: open_settings(deps, actor))

    @app.view(ids.SETTINGS_MODAL)
    def save(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            saved = settings.save_settings(
                deps.sessions,
                deps.clock(),
                actor_of(body),
                read_settings(view),
                allow_private=deps.calendar_fetch_private,
            )
        except DomainError as error:
            # Under its field, as plain text; the modal stays open with what the person chose.
            field = error.field if isinstance(error, InvalidField) else Field.DAYS
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        ack(response_action="update", view=settings_saved(saved))


def open_settings(deps: Deps, actor: Actor) -> OpenModal:
    """The modal filled with the person's settings (the defaults where they chose nothing yet)."""
    return OpenModal(settings_modal(settings.settings_form(deps.sessions, actor, deps.clock())))
