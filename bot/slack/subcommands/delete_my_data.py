"""`/1on1 delete-my-data`: a form says what goes and what stays; submitting it deletes (issue 15, part 2)."""

from __future__ import annotations

from typing import Any

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "delete-my-data"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> Any:
    return replies.problem_reply("Deleting your data is being built (issue 15, part 2).")


ROW = g.Subcommand(
    NAME,
    "delete-my-data",
    "delete what you wrote privately and your settings, end your 1:1s (asks first, says what goes)",
    g.no_arguments(NAME),
    handle,
)
