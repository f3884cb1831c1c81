"""`/1on1 skip [@person]`: skip the next 1:1; the other person is told."""

from __future__ import annotations

from datetime import datetime

from bot.services import series
from bot.services.pairs import Actor
from bot.services.people import cached_zone, timezone_of
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly
from bot.slack.subcommands import grammar as g

NAME = "skip"


def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> replies.Reply:
    now = deps.clock()
    change = series.skip_next(
        deps.sessions, now, actor, parsed.person, caller_zone=zone_rule(deps, now, actor)
    )
    assert change.caller_zone is not None
    return replies.skipped_reply(change, change.caller_zone)


def zone_rule(deps: Deps, now: datetime, actor: Actor, *, required: bool = False) -> series.ZoneRule:
    """How the caller's zone is had (as add-topic's): before the ack, from the cache, read with their 1:1 in
    the command's one transaction (missing: "one moment", nothing written); after it, Slack is asked first,
    outside any transaction (`required`: a zone Slack can't give then is "try again", not UTC)."""
    if isinstance(deps.directory, CacheOnly):
        return cached_zone(deps.directory, now, actor.user_id)
    zone = timezone_of(deps.sessions, deps.directory, now, actor, required=required)
    return lambda _zone, _checked_at: zone


ROW = g.Subcommand(
    NAME, "skip [@person]", "skip the next 1:1; the other person is told", g.person_only(NAME), handle
)
