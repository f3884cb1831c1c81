"""`/1on1 agenda [@person]` and `/1on1 actions [@person]`: the next 1:1's agenda, or its open actions."""

from __future__ import annotations

from collections.abc import Callable

from bot.services import agenda
from bot.services.agenda import AgendaView
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule


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
