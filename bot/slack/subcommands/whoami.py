"""`/1on1 whoami`: the time zone and working hours the bot plans your 1:1s with."""

from __future__ import annotations

from bot.services.pairs import Actor
from bot.services.people import timezone_of
from bot.services.settings import settings_form
from bot.slack.blocks import replies
from bot.slack.blocks.settings_modal import days_words
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "whoami"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> replies.Reply:
    zone = timezone_of(deps.sessions, deps.directory, deps.clock(), actor)
    hours = settings_form(deps.sessions, actor).settings.hours  # their own (Settings), or the defaults
    return replies.reply(
        f":bust_in_silhouette: Your time zone is *{zone}* (from your Slack profile). I plan 1:1s in your "
        f"working hours: {days_words(hours.days)}, {hours.start:%H:%M} to {hours.end:%H:%M} "
        "(`/1on1 settings` changes them)."
    )


ROW = g.Subcommand(
    NAME, "whoami", "your time zone and working hours, as I use them", g.no_arguments(NAME), handle
)
