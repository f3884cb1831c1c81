"""*Move my 1:1 history* and *Not now* on a hand-over request (issue 15, part 3): the report's answer."""

from __future__ import annotations

from slack_bolt import App

from bot.services import handoff
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.handoff import handoff_answered
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, on_click


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.HANDOFF_CONFIRM, _confirm)
    on_click(app, deps, ids.HANDOFF_DECLINE, _decline)


def _confirm(deps: Deps, actor: Actor, request_id: int) -> ClickAnswer:
    return handoff_answered(handoff.confirm(deps.sessions, deps.clock(), actor, request_id))


def _decline(deps: Deps, actor: Actor, request_id: int) -> ClickAnswer:
    return handoff_answered(handoff.decline(deps.sessions, deps.clock(), actor, request_id))
