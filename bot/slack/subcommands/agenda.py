"""`/1on1 agenda [@person]` and `/1on1 actions [@person]`: the next 1:1's agenda, or its open actions."""

from __future__ import annotations

from bot.services import agenda
from bot.services.agenda import AgendaView
from bot.services.pairs import Actor
from bot.services.people import timezone_of
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g


def _view(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> AgendaView:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    return agenda.show_agenda(deps.sessions, now, actor, parsed.person, zone)


AGENDA = g.Subcommand(
    "agenda",
    "agenda [@person]",
    "the next 1:1's agenda, open action items and what carried over",
    g.person_only("agenda"),
    lambda deps, actor, parsed: replies.agenda_reply(_view(deps, actor, parsed)),
)
ACTIONS = g.Subcommand(
    "actions",
    "actions [@person]",
    "open action items, each with a Done button",
    g.person_only("actions"),
    lambda deps, actor, parsed: replies.actions_reply(_view(deps, actor, parsed)),
)
