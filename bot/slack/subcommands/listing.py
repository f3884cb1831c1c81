"""`/1on1 list`: the caller's 1:1s, when each is next, and how the last ones went."""

from __future__ import annotations

from bot.services import agenda
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule

NAME = "list"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> replies.Reply:
    now = deps.clock()
    lines, zone = agenda.your_pairs(deps.sessions, now, actor, zone_rule(deps, now, actor))
    return replies.list_reply(lines, zone)


ROW = g.Subcommand(NAME, "list", "your 1:1s and when each one is next", g.no_arguments(NAME), handle)
