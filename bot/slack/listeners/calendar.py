"""The Home tab's *Calendar*: a modal with the person's feed address, or a way to make a new one."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.services import calendar_feed
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.calendar import calendar_modal
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of
from bot.slack.rim import ClickAnswer, OpenModal, on_click


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.CALENDAR_OPEN, lambda deps, actor, _: _open(deps, actor))

    @app.view(ids.CALENDAR_MODAL)
    def make_a_new_address(ack: Ack, body: dict[str, Any]) -> None:
        # The modal offers a submit only once an address was given: submitting it is `calendar reset`.
        ack(response_action="update", view=calendar_modal(_issue(deps, actor_of(body), reset=True)))


def _open(deps: Deps, actor: Actor) -> ClickAnswer:
    return OpenModal(calendar_modal(_issue(deps, actor, reset=False)))


def _issue(deps: Deps, actor: Actor, *, reset: bool) -> calendar_feed.Issued | None:
    if deps.public_url is None:
        return None
    return calendar_feed.issue(deps.sessions, deps.clock(), actor, deps.public_url, reset=reset)
