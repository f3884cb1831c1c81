"""`/1on1 whoami`: the time zone and working hours the bot plans your 1:1s with."""

from __future__ import annotations

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.blocks.settings_modal import days_words
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule
from bot.store import reads
from bot.store.settings import settings_of_person

NAME = "whoami"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> replies.Reply:
    rule = zone_rule(deps, deps.clock(), actor)
    # One statement: the caller's own row holds their cached zone and their working hours.
    with deps.sessions() as session:
        me = reads.me_alone(session, actor.team_id, actor.user_id)
        zone = rule(me.timezone if me else None, me.timezone_checked_at if me else None)
        hours = settings_of_person(me).hours  # their own (Settings), or the defaults
    return replies.reply(
        f":bust_in_silhouette: Your time zone is *{zone}* (from your Slack profile). I plan 1:1s in your "
        f"working hours: {days_words(hours.days)}, {hours.start:%H:%M} to {hours.end:%H:%M} "
        "(`/1on1 settings` changes them)."
    )


ROW = g.Subcommand(
    NAME, "whoami", "your time zone and working hours, as I use them", g.no_arguments(NAME), handle
)
