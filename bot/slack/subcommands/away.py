"""`/1on1 away <YYYY-MM-DD> [to <YYYY-MM-DD>]` and `/1on1 back`: time away (issue 13, part 3)."""

from __future__ import annotations

from typing import Any

from bot.services.pairs import Actor
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g


def parse_away(args: list[str], raw: str) -> Any:
    raise NotImplementedError  # TODO(issue 13)


def handle_away(deps: Deps, actor: Actor, parsed: Any) -> Any:
    raise NotImplementedError  # TODO(issue 13)


def handle_back(deps: Deps, actor: Actor, parsed: g.NoArguments) -> Any:
    raise NotImplementedError  # TODO(issue 13)


AWAY = g.Subcommand(
    "away",
    "away <YYYY-MM-DD> [to <YYYY-MM-DD>]",
    "days you are away: no prompts or nudges, and your 1:1s on them are recorded as away",
    lambda args, raw: parse_away(args, raw),
    lambda deps, actor, parsed: handle_away(deps, actor, parsed),
)
BACK = g.Subcommand(
    "back",
    "back",
    "you are back: your time away from today on is cleared",
    g.no_arguments("back"),
    lambda deps, actor, parsed: handle_back(deps, actor, parsed),
)
