"""`/1on1 whoami`: the time zone and working hours the bot plans your 1:1s with."""

from __future__ import annotations

from bot.domain.slots import WORK_DAYS, WORK_END, WORK_START
from bot.services.pairs import Actor
from bot.services.people import timezone_of
from bot.slack.blocks import replies
from bot.slack.blocks.common import WEEKDAY_NAMES
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "whoami"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> replies.Reply:
    zone = timezone_of(deps.sessions, deps.directory, deps.clock(), actor)
    days = [WEEKDAY_NAMES[day] for day in sorted(WORK_DAYS)]
    return replies.reply(
        f":bust_in_silhouette: Your time zone is *{zone}* (from your Slack profile). I plan 1:1s in your "
        f"working hours: {days[0]} to {days[-1]}, {WORK_START:%H:%M} to {WORK_END:%H:%M}."
    )


ROW = g.Subcommand(
    NAME, "whoami", "your time zone and working hours, as I use them", g.no_arguments(NAME), handle
)
