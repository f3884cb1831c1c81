"""`/1on1 note [@person] <text>`: a private note only its author can ever see."""

from __future__ import annotations

from bot.services import agenda
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "note"


def handle(deps: Deps, actor: Actor, parsed: g.PersonAndText) -> replies.Reply:
    return replies.note_reply(agenda.add_note(deps.sessions, deps.clock(), actor, parsed.person, parsed.text))


ROW = g.Subcommand(
    NAME, "note [@person] <text>", "a private note only you can ever see", g.person_and_text(NAME), handle
)
