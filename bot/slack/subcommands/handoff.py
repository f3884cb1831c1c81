"""`/1on1 handoff @report to @new-manager`: a report's 1:1 history moves to their new manager once the report
confirms (issue 15, part 3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "handoff"


@dataclass(frozen=True)
class Handoff:
    report: str
    new_manager: str


def parse_handoff(sub: str) -> Callable[[list[str], str], Handoff]:
    def parse(args: list[str], raw: str) -> Handoff:
        report, rest = g.take_person(args, sub, required=True)
        if not rest or rest[0].lower() != "to":
            raise g.CommandError("Say who takes over: `to @new-manager`.", sub)
        new_manager, rest = g.take_person(rest[1:], sub, required=True)
        g.no_more(rest, sub)
        assert report is not None and new_manager is not None
        return Handoff(report, new_manager)

    return parse


def handle(deps: Deps, actor: Actor, parsed: Handoff) -> Any:
    return replies.problem_reply("Hand-over is being built (issue 15, part 3).")


ROW = g.Subcommand(
    NAME,
    "handoff @report to @new-manager",
    "hand a report's 1:1 history over to their new manager (the report confirms)",
    parse_handoff(NAME),
    handle,
)
