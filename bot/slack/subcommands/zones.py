"""How a subcommand has its caller's zone, as a `ZoneRule` handed to the service it calls.

Before the ack (the directory is bot/slack/directory.py CacheOnly) the zone comes from the cache: the
caller's cached zone is read with their 1:1, in the command's one transaction, and judged there by
people.py `cached_zone` (stale: it stands and is refreshed later; missing: NotCached, nothing is written and
the command answers "one moment"). After the ack Slack is asked first, outside any transaction, and the
rule gives that zone whatever the row says.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.pairs import Actor
from bot.services.people import ZoneRule, cached_zone, timezone_of
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly


def zone_rule(deps: Deps, now: datetime, actor: Actor, *, required: bool = False) -> ZoneRule:
    """The caller's zone rule. `required` (after the ack): a zone Slack can't give is "try again", not UTC."""
    if isinstance(deps.directory, CacheOnly):
        return cached_zone(deps.directory, now, actor.user_id)
    zone = timezone_of(deps.sessions, deps.directory, now, actor, required=required)
    return lambda _zone, _checked_at: zone
