"""`/1on1 cancel @person`: end the series, after a confirmation."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services import series
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g

NAME = "cancel"


@dataclass(frozen=True)
class Cancel:
    person: str


def parse(args: list[str], raw: str) -> Cancel:
    person, rest = g.take_person(args, NAME, required=True)
    assert person is not None
    g.no_more(rest, NAME)
    return Cancel(person)


def handle(deps: Deps, actor: Actor, parsed: Cancel) -> replies.Reply:
    summary = series.series_to_cancel(deps.sessions, deps.clock(), actor, parsed.person)
    return replies.cancel_confirmation(summary)


ROW = g.Subcommand(NAME, "cancel @person", "end a recurring 1:1 (asks first)", parse, handle)
