"""`/1on1 export [@person]`: everything the person may see, as a Markdown and a JSON file in their DM (issue
15, part 1)."""

from __future__ import annotations

from typing import Any

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "export"


def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> Any:
    return replies.problem_reply("Export is being built (issue 15, part 1).")


ROW = g.Subcommand(
    NAME,
    "export [@person]",
    "everything you may see of your 1:1s (with that person), as a Markdown and a JSON file in your DM",
    g.person_only(NAME),
    handle,
)
