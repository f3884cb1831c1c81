"""`/1on1 skip [@person]`: skip the next 1:1; the other person is told."""

from __future__ import annotations

from bot.services import series
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule

NAME = "skip"


def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> replies.Reply:
    now = deps.clock()
    change = series.skip_next(
        deps.sessions, now, actor, parsed.person, caller_zone=zone_rule(deps, now, actor)
    )
    assert change.caller_zone is not None
    return replies.skipped_reply(change, change.caller_zone)


ROW = g.Subcommand(
    NAME, "skip [@person]", "skip the next 1:1; the other person is told", g.person_only(NAME), handle
)
