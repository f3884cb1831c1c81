"""`/1on1 handoff @report to @new-manager`: a report's 1:1 history moves to their new manager once the report
confirms (issue 15, part 3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.services import handoff
from bot.services.pairs import Actor
from bot.services.people import timezones
from bot.slack.blocks import replies
from bot.slack.blocks.handoff import handoff_asked_reply
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


def handle(deps: Deps, actor: Actor, parsed: Handoff) -> replies.Reply:
    now = deps.clock()
    # Slack says first whether the new manager is a person (not a bot, not deactivated): nothing is stored
    # for someone who can't lead a 1:1.
    timezones(
        deps.sessions,
        deps.directory,
        now,
        actor.team_id,
        [parsed.new_manager],
        people_only=[parsed.new_manager],
    )
    return handoff_asked_reply(
        handoff.request_handoff(deps.sessions, now, actor, parsed.report, parsed.new_manager)
    )


ROW = g.Subcommand(
    NAME,
    "handoff @report to @new-manager",
    "hand a report's 1:1 history over to their new manager (the report confirms)",
    parse_handoff(NAME),
    handle,
)
