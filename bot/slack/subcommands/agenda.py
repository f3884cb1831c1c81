"""`/1on1 agenda [@person]` and `/1on1 actions [@person]`: the next 1:1's agenda, or its open actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.services import agenda
from bot.services.agenda import AgendaView
from bot.services.pairs import Actor
from bot.services.people import cached_zone, timezone_of
from bot.services.topics import ZoneRule
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly
from bot.slack.subcommands import grammar as g


def zone_rule(deps: Deps, now: datetime, actor: Actor) -> ZoneRule:
    """How a read command gets the caller's zone (as add-topic's `_zone_rule`). Before the ack: the cached
    zone, read with the caller's 1:1 in the command's one transaction (none cached: NotCached, and the
    command finishes after the ack). After "one moment": Slack is asked first, outside any transaction."""
    if isinstance(deps.directory, CacheOnly):
        return cached_zone(deps.directory, now, actor.user_id)
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    return lambda _zone, _checked_at: zone


def _view(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> AgendaView:
    now = deps.clock()
    return agenda.show_agenda(deps.sessions, now, actor, parsed.person, zone_rule(deps, now, actor))


def _row(name: str, why: str, show: Callable[[AgendaView], replies.Reply]) -> g.Subcommand:
    def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> replies.Reply:
        return show(_view(deps, actor, parsed))

    return g.Subcommand(name, f"{name} [@person]", why, g.person_only(name), handle)


AGENDA = _row(
    "agenda", "the next 1:1's agenda, open action items and what carried over", replies.agenda_reply
)
ACTIONS = _row("actions", "open action items, each with a Done button", replies.actions_reply)
