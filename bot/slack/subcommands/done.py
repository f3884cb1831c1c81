"""`/1on1 done <n>`: close an action item by its number."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import actions
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.payloads import parse_id
from bot.slack.subcommands import grammar as g

NAME = "done"


@dataclass(frozen=True)
class Done:
    action_id: int


def parse(args: list[str], raw: str) -> Done:
    number = parse_id(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        raise g.CommandError(
            "Give the number of the action item, as `/1on1 actions` shows it (e.g. `done 12`).", NAME
        )
    return Done(number)


def handle(deps: Deps, actor: Actor, parsed: Done) -> replies.Reply:
    return replies.action_done_reply(
        actions.complete_action(deps.sessions, deps.clock(), actor, parsed.action_id)
    )


ROW = g.Subcommand(NAME, "done <action item number>", "close an action item by its number", parse, handle)
