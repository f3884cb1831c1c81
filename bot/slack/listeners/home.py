"""The Home tab: app_home_opened, and the Home tab's buttons (issue 12, part 1).

A click in the Home tab has no response_url, so a refusal is told in a small modal (bot/slack/rim.py
on_click); what a click changed shows when the Home tab is published again (the outbox's session hook
queues it: bot/store/home.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Any, TypeVar

from slack_bolt import App

from bot.domain.errors import DomainError, InvalidField
from bot.services import home, topics
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.agenda_modal import agenda_modal
from bot.slack.blocks.modals import add_topic_modal
from bot.slack.blocks.reschedule_modal import DAY, TIME, reschedule_modal
from bot.slack.deps import Deps
from bot.slack.payloads import parse_id
from bot.slack.rim import ClickAnswer, OpenModal, on_click, on_submit

T = TypeVar("T")
V = TypeVar("V")


def register(app: App, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        user, team = event.get("user"), body.get("team_id") or event.get("team")
        if event.get("tab") != "home" or not user or not team:
            return  # the Messages tab, or nobody to publish to
        home.opened(deps.sessions, deps.clock(), Actor(team_id=team, user_id=user))
        # Kicked even when the opening joined a row already waiting (paced): the person is looking now.
        deps.outbox.kick()

    on_click(app, deps, ids.HOME_ADD_TOPIC, _open_add_topic)
    on_click(app, deps, ids.AGENDA_OPEN, _open_agenda)
    on_click(app, deps, ids.HOME_SKIP_NEXT, _skip_next)
    on_click(app, deps, ids.HOME_RESCHEDULE_NEXT, _open_reschedule)
    on_submit(app, deps, ids.RESCHEDULE_MODAL, DAY, _reschedule)


def _open_add_topic(deps: Deps, actor: Actor, pair_id: int) -> ClickAnswer:
    meeting_id = home.next_meeting_of_pair(deps.sessions, deps.clock(), actor, pair_id)
    form = topics.add_topic_form(deps.sessions, actor, meeting_id)  # whether they may raise a concern
    return OpenModal(add_topic_modal(form.meeting_id, leads=form.leads))


def _open_agenda(deps: Deps, actor: Actor, pair_id: int) -> ClickAnswer:
    return OpenModal(agenda_modal(home.agenda_of_pair(deps.sessions, deps.clock(), actor, pair_id)))


def _skip_next(deps: Deps, actor: Actor, pair_id: int) -> ClickAnswer:
    home.skip_next_of_pair(deps.sessions, deps.clock(), actor, pair_id)
    return None  # the other person is told through the outbox; the Home tab is published again


def _open_reschedule(deps: Deps, actor: Actor, pair_id: int) -> ClickAnswer:
    return OpenModal(reschedule_modal(home.reschedule_form(deps.sessions, deps.clock(), actor, pair_id)))


def _reschedule(deps: Deps, actor: Actor, view: dict[str, Any]) -> None:
    pair_id = parse_id(view.get("private_metadata"))
    if pair_id is None:
        raise DomainError("This form lost track of its 1:1; open it again from the Home tab.")
    day = _picked(view, DAY, "selected_date", date.fromisoformat, "Pick a date.")
    at = _picked(view, TIME, "selected_time", time.fromisoformat, "Pick a time.")
    home.reschedule_next_of_pair(
        deps.sessions, deps.clock(), actor, pair_id, day, at, day_field=DAY, time_field=TIME
    )


def _picked(view: dict[str, Any], block: str, key: str, parse: Callable[[str], V], missing: str) -> V:
    """A picker's value as Slack sends it; a blank or garbled one is refused on its field."""
    state = ((view.get("state", {}).get("values", {}).get(block) or {}).get("value")) or {}
    try:
        return parse(str(state[key]))
    except (KeyError, TypeError, ValueError):
        raise InvalidField(block, missing) from None
