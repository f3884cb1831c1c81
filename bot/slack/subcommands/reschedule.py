"""`/1on1 reschedule [@person] <YYYY-MM-DD|mon…sun|tomorrow> <HH:MM>`: move the next 1:1 only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot.services import series
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule

NAME = "reschedule"


@dataclass(frozen=True)
class Reschedule:
    person: str | None
    day: date | int | str  # a date, a weekday number, or "tomorrow"
    at: time


def parse(args: list[str], raw: str) -> Reschedule:
    person, args = g.take_person(args, NAME, required=False)
    if len(args) != 2:
        raise g.CommandError("Give the new day and time, e.g. `tomorrow 14:00` or `2026-12-03 09:30`.", NAME)
    word = args[0].lower()
    day: date | int | str
    if word == "tomorrow":
        day = "tomorrow"
    elif word[:3] in g.WEEKDAYS and not word[0].isdigit():
        day = g.weekday_of(word, NAME)
    else:
        day = g.date_of(args[0], NAME)
    return Reschedule(person, day, g.time_of(args[1], NAME))


def handle(deps: Deps, actor: Actor, parsed: Reschedule) -> replies.Reply:
    now = deps.clock()
    # The zone decides the new time: after the ack, one Slack can't give is "try again", not UTC.
    rule = zone_rule(deps, now, actor, required=True)
    change = series.reschedule_next(
        deps.sessions, now, actor, parsed.person, parsed.day, parsed.at, caller_zone=rule
    )
    assert change.caller_zone is not None
    return replies.moved_reply(change, change.caller_zone)


ROW = g.Subcommand(
    NAME,
    "reschedule [@person] <YYYY-MM-DD|mon…sun|tomorrow> <HH:MM>",
    "move the next 1:1 only",
    parse,
    handle,
)
