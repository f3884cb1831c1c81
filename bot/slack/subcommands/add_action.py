"""`/1on1 add-action [@person] <text> [due <YYYY-MM-DD>] [for @person]`: an action item between meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services import actions
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.text import from_slack

NAME = "add-action"


@dataclass(frozen=True)
class AddAction:
    person: str | None
    text: str
    due: date | None = None
    owner: str | None = None


def parse(args: list[str], raw: str) -> AddAction:
    person, rest = g.take_person(args, NAME, required=False)
    owner: str | None = None
    due: date | None = None
    # Options sit at the end, in either order: `due <date>` and `for @person`.
    while len(rest) >= 2 and rest[-2].lower() in ("due", "for"):
        if rest[-2].lower() == "due":
            due = g.date_of(rest[-1], NAME)
        else:
            owner = g.mentioned_user(rest[-1])
            if owner is None:
                raise g.CommandError("Say whose action item it is by mentioning them after `for`.", NAME)
        rest = rest[:-2]
    if not rest:
        raise g.CommandError("Add the action item's text.", NAME)
    return AddAction(person, from_slack(" ".join(rest)), due, owner)


def handle(deps: Deps, actor: Actor, parsed: AddAction) -> replies.Reply:
    change = actions.add_action(
        deps.sessions, deps.clock(), actor, parsed.person, parsed.text, parsed.owner, parsed.due
    )
    return replies.action_added_reply(change, parsed.due)


ROW = g.Subcommand(
    NAME,
    "add-action [@person] <text> [due <YYYY-MM-DD>] [for @person]",
    "an action item between meetings (yours unless `for @person`)",
    parse,
    handle,
)
