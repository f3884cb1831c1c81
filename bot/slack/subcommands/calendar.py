"""`/1on1 calendar [reset | busy <url> | busy off]`: the feed, and the person's own busy times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.services.pairs import Actor
from bot.slack.deps import Deps
from bot.slack.subcommands import calendar_busy, calendar_feed
from bot.slack.subcommands import grammar as g

NAME = "calendar"


@dataclass(frozen=True)
class FeedCommand:
    reset: bool  # `calendar reset`: a new address, the old one stops working


@dataclass(frozen=True)
class BusyCommand:
    url: str | None  # `calendar busy <url>`; None for `calendar busy off`


def parse(args: list[str], raw: str) -> FeedCommand | BusyCommand:
    if not args:
        return FeedCommand(reset=False)
    word = args[0].lower()
    if word == "reset":
        g.no_more(args[1:], NAME)
        return FeedCommand(reset=True)
    if word == "busy":
        if len(args) == 2 and args[1].lower() == "off":
            return BusyCommand(url=None)
        if len(args) != 2:
            raise g.CommandError("After `busy`, give your calendar's secret iCal address (or `off`).", NAME)
        return BusyCommand(url=calendar_busy.address_of(args[1]))
    raise g.CommandError(f"I didn't expect `{g.shorten(args[0])}` here.", NAME)


def handle(deps: Deps, actor: Actor, parsed: FeedCommand | BusyCommand) -> Any:
    if isinstance(parsed, BusyCommand):
        return calendar_busy.handle(deps, actor, parsed.url)
    return calendar_feed.handle(deps, actor, parsed.reset)


ROW = g.Subcommand(
    NAME,
    "calendar [reset | busy <url> | busy off]",
    "your private calendar feed of your 1:1s; `busy` makes reschedule slots avoid your own calendar",
    parse,
    handle,
)
