"""`/1on1 history [@person] [words…]`: the pair's past meetings, newest first, or those the words find."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.services import history
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.blocks.history import history_reply
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule
from bot.slack.text import from_slack

NAME = "history"


@dataclass(frozen=True)
class HistoryQuery:
    person: str | None
    words: str  # "" lists the history; anything else searches it


def parse_history(sub: str) -> Callable[[list[str], str], HistoryQuery]:
    def parse(args: list[str], raw: str) -> HistoryQuery:
        person, _ = g.take_person(args, sub, required=False)
        parts = raw.strip().split(None, 1 + (person is not None))
        words = from_slack(parts[-1]).strip() if len(parts) > 1 + (person is not None) else ""
        return HistoryQuery(person, words)

    return parse


def handle(deps: Deps, actor: Actor, parsed: HistoryQuery) -> replies.Reply:
    now = deps.clock()
    rule = zone_rule(deps, now, actor)
    return history_reply(history.history(deps.sessions, now, actor, parsed.person, parsed.words, rule))


ROW = g.Subcommand(
    NAME,
    "history [@person] [words…]",
    "your past 1:1s with that person, newest first; with words, the meetings that mention them",
    parse_history(NAME),
    handle,
)
