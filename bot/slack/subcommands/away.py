"""`/1on1 away <YYYY-MM-DD> [to <YYYY-MM-DD>]` and `/1on1 back`: time away (issue 13, part 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services import away
from bot.services.pairs import Actor
from bot.services.people import timezone_of
from bot.slack.blocks import replies
from bot.slack.blocks.away import away_reply, back_reply
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g


@dataclass(frozen=True)
class AwayCommand:
    first: date
    last: date | None  # None: the one day


def parse_away(args: list[str], raw: str) -> AwayCommand:
    if not args:
        raise g.CommandError("Give the first day you are away, as YYYY-MM-DD.", "away")
    first = g.date_of(args[0], "away")
    if len(args) == 1:
        return AwayCommand(first, None)
    if len(args) != 3 or args[1].lower() != "to":
        raise g.CommandError("Give a range as `<first day> to <last day>`, both YYYY-MM-DD.", "away")
    return AwayCommand(first, g.date_of(args[2], "away"))


def handle_away(deps: Deps, actor: Actor, parsed: AwayCommand) -> replies.Reply:
    now = deps.clock()
    timezone_of(deps.sessions, deps.directory, now, actor)  # their days are their own zone's: learn it first
    # A refusal (a DomainError: in the past, too long…) is the command's reply; nothing is stored.
    return replies.reply(away_reply(away.set_away(deps.sessions, now, actor, parsed.first, parsed.last)))


def handle_back(deps: Deps, actor: Actor, parsed: g.NoArguments) -> replies.Reply:
    now = deps.clock()
    timezone_of(deps.sessions, deps.directory, now, actor)
    return replies.reply(back_reply(away.come_back(deps.sessions, now, actor)))


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
