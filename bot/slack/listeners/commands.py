"""`/1on1`: parse, call a service, ack with an ephemeral reply (well inside Slack's 3 seconds)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import DomainError
from bot.services import topics
from bot.services.pairs import Actor
from bot.slack import commands
from bot.slack.blocks import replies
from bot.slack.dates import slack_date
from bot.slack.deps import Deps

logger = logging.getLogger(__name__)

Handler = Callable[[Deps, Actor, Any], replies.Reply]


def register(app: App, deps: Deps) -> None:
    @app.command(commands.COMMAND)
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        ack(**handle(deps, command))


def handle(deps: Deps, command: dict[str, Any]) -> replies.Reply:
    actor = Actor(team_id=command["team_id"], user_id=command["user_id"])
    try:
        parsed = commands.parse(command.get("text") or "")
    except commands.CommandError as error:
        return replies.problem_reply(error.problem, error.usage)
    handler = _HANDLERS.get(type(parsed))
    if handler is None:
        return replies.not_yet_reply(commands.NAME_OF[type(parsed)])
    try:
        return handler(deps, actor, parsed)
    except DomainError as error:
        return replies.problem_reply(error.message)
    except Exception:
        # Ids only: command text may be private.
        logger.exception("/1on1 failed for user %s in team %s", actor.user_id, actor.team_id)
        return replies.failure_reply()


def _help(deps: Deps, actor: Actor, parsed: commands.Help) -> replies.Reply:
    return replies.help_reply()


def _add_topic(deps: Deps, actor: Actor, parsed: commands.AddTopic) -> replies.Reply:
    added = topics.add_topic(deps.sessions, deps.clock(), actor, parsed.person, parsed.text)
    when = slack_date(added.meeting_starts_at, None) if added.meeting_starts_at else None
    return replies.topic_added_reply(added.text, added.other_user_id, when)


_HANDLERS: dict[type, Handler] = {
    commands.Help: _help,
    commands.AddTopic: _add_topic,
}
