"""The buttons of the notice that someone is away for a meeting: offer new times, or skip it."""

from __future__ import annotations

from slack_bolt import App

from bot.services import away
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.away import new_times_answer, skipped_answer
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, on_click


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.AWAY_RESCHEDULE, _reschedule)
    on_click(app, deps, ids.AWAY_SKIP, _skip)


def _reschedule(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    return new_times_answer(away.offer_new_times(deps.sessions, deps.clock(), actor, meeting_id))


def _skip(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    return skipped_answer(away.skip_away(deps.sessions, deps.clock(), actor, meeting_id))
