"""`/1on1 note [@person] <text>`: a private note only its author can ever see."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import agenda
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "note"


@dataclass(frozen=True)
class AddNote:
    person: str | None
    text: str


def parse(args: list[str], raw: str) -> AddNote:
    person, _ = g.take_person(args, NAME, required=False)
    return AddNote(person, g.rest_text(raw, NAME, 1 + (person is not None)))


def handle(deps: Deps, actor: Actor, parsed: AddNote) -> replies.Reply:
    return replies.note_reply(agenda.add_note(deps.sessions, deps.clock(), actor, parsed.person, parsed.text))


ROW = g.Subcommand(NAME, "note [@person] <text>", "a private note only you can ever see", parse, handle)
