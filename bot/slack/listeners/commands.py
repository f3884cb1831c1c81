"""`/1on1`: find the subcommand's row (bot/slack/subcommands), run its handler, ack with its reply.

The ack never waits on Slack: a command that needs a time zone nobody has told us yet is
acknowledged with "one moment" and finished through its response_url.

A command is claimed with its writes (bot/slack/dedup.py): a delivery whose commit found another delivery's
claim stored nothing, and acknowledges nothing; the dispatcher answers it as a retry.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import DomainError
from bot.services.pairs import Actor
from bot.services.people import NotCached, timezones
from bot.slack import subcommands, trouble
from bot.slack.blocks import replies
from bot.slack.dedup import claim_for_later
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly
from bot.slack.rim import OpenModal, open_modal
from bot.slack.text import said
from bot.store.requests import AlreadyHandled

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.command(subcommands.COMMAND)
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        # First from the database alone, so the ack never waits on Slack.
        cache_only = CacheOnly()
        try:
            reply = handle(replace(deps, directory=cache_only), command)
        except AlreadyHandled:
            ack()  # another delivery of this command stored it: answered as a retry (bot/slack/dedup.py)
            return
        who = f"/1on1 for user {command.get('user_id')}"
        if isinstance(reply, OpenModal):  # a form instead of a reply (e.g. `/1on1 schedule` alone)
            ack()
            deps.later.run(lambda: open_modal(client, command, respond, reply), who)
            return
        if reply is None:
            # Someone's time zone is unknown yet: say so at once, finish once Slack has told us. Claimed
            # now, as the work that stores it runs after the ack.
            if not claim_for_later(deps.sessions):
                ack()
                return
            ack(**replies.working_reply())
            asking = deps.asking(client)
            deps.later.run(
                lambda: respond(replies.replacing(handle(asking, command) or replies.failure_reply())), who
            )
            return
        ack(**reply)
        if cache_only.asked:  # a day-old zone served; fetch today's for next time
            asking = deps.asking(client)
            deps.later.run(lambda: _refresh_zones(asking, command["team_id"], cache_only.asked), who)


def _refresh_zones(deps: Deps, team_id: str, user_ids: list[str]) -> None:
    timezones(deps.sessions, deps.directory, deps.clock(), team_id, user_ids)


def handle(deps: Deps, command: dict[str, Any]) -> replies.Reply | OpenModal | None:
    """The reply to a command; None when it needs a time zone the directory could not give yet.

    Handlers look zones up before they write anything, so a command that comes back None changed
    nothing and can run again in full.
    """
    actor = Actor(team_id=command["team_id"], user_id=command["user_id"])
    try:
        row, parsed = subcommands.parse_command(command.get("text") or "")
    except subcommands.CommandError as error:
        return replies.problem_reply(error.problem, error.usage)
    try:
        return row.handle(deps, actor, parsed)
    except NotCached:
        return None
    except AlreadyHandled:
        raise
    except DomainError as error:
        return replies.problem_reply(said(error))
    except SQLAlchemyError:
        logger.exception("/1on1 %s: the database failed for user %s", row.name, actor.user_id)
        return trouble.not_saved_reply()
    except Exception:
        # Ids only: command text may be private.
        logger.exception("/1on1 %s failed for user %s in team %s", row.name, actor.user_id, actor.team_id)
        return replies.failure_reply()
