"""`/1on1 skip [@person]`: skip the next 1:1; the other person is told."""

from __future__ import annotations

from bot.services import series
from bot.services.pairs import Actor
from bot.services.people import timezone_of
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "skip"


def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    return replies.skipped_reply(series.skip_next(deps.sessions, now, actor, parsed.person), zone)


ROW = g.Subcommand(
    NAME, "skip [@person]", "skip the next 1:1; the other person is told", g.person_only(NAME), handle
)
