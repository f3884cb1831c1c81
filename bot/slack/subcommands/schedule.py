"""`/1on1 schedule @person weekly tue 10:00 [45m] [from …] [lead …] [as report]`: start a series.

`/1on1 schedule` alone opens the schedule modal instead (bot/slack/listeners/schedule.py takes its answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.services import series
from bot.services.pairs import Actor
from bot.services.people import NotCached, SlackBusy, UnknownPerson, timezone_of, timezones
from bot.services.series import ScheduleRequest
from bot.slack.blocks import replies
from bot.slack.blocks.schedule_modal import schedule_modal
from bot.slack.deps import Deps
from bot.slack.rim import OpenModal
from bot.slack.subcommands import grammar as g

NAME = "schedule"


@dataclass(frozen=True)
class OpenForm:
    """`/1on1 schedule` with nothing after it: the form does the asking."""


def parse(args: list[str], raw: str) -> ScheduleRequest | OpenForm:
    if not args:
        return OpenForm()
    person, args = g.take_person(args, NAME, required=True)
    assert person is not None
    if len(args) < 3:
        raise g.CommandError("Give the cadence, the weekday and the time, e.g. `weekly tue 10:00`.", NAME)
    cadence = args[0].lower()
    if cadence not in g.CADENCES:
        raise g.CommandError(
            f"The cadence must be weekly, biweekly or monthly, not `{g.shorten(args[0])}`.", NAME
        )
    weekday = g.weekday_of(args[1], NAME)
    at = g.time_of(args[2], NAME)
    rest = args[3:]
    duration, start, caller_is_manager, lead = 30, None, True, g.DEFAULT_LEAD_HOURS
    if rest and g.is_duration(rest[0]):
        duration = g.minutes_of(rest.pop(0), NAME)
    if rest and rest[0].lower() == "from":
        if len(rest) < 2:
            raise g.CommandError("Give the first date after `from`, as YYYY-MM-DD.", NAME)
        start = g.date_of(rest[1], NAME)
        rest = rest[2:]
    if rest and rest[0].lower() == "lead":
        lead = g.lead_hours_of(rest[1] if len(rest) > 1 else "", NAME)
        rest = rest[2:]
    if [w.lower() for w in rest[:2]] in (["as", "report"], ["as", "manager"]):
        caller_is_manager = rest[1].lower() == "manager"
        rest = rest[2:]
    g.no_more(rest, NAME)
    return ScheduleRequest(
        person, cadence, weekday, at, duration, start, caller_is_manager, timedelta(hours=lead)
    )


def handle(deps: Deps, actor: Actor, parsed: ScheduleRequest | OpenForm) -> replies.Reply | OpenModal:
    now = deps.clock()
    if isinstance(parsed, OpenForm):
        return OpenModal(schedule_modal(_zone_if_known(deps, actor)))
    # Both zones: the caller's sets the series; the other's is cached for their announcement.
    zones = timezones(
        deps.sessions,
        deps.directory,
        now,
        actor.team_id,
        [actor.user_id, parsed.other_user_id],
        required=[actor.user_id],
        people_only=[parsed.other_user_id],
    )
    done = series.schedule(deps.sessions, now, actor, parsed, zones[actor.user_id], zones=zones)
    return replies.scheduled_reply(done, parsed.weekday, parsed.at)


ROW = g.Subcommand(
    NAME,
    "schedule @person weekly|biweekly|monthly <mon…sun> <HH:MM> [<N>m] [from <YYYY-MM-DD>] "
    "[lead <N>h] [as report]",
    "start a recurring 1:1 in your time zone (30m unless you say otherwise); "
    "`/1on1 schedule` alone opens a form",
    parse,
    handle,
)


def _zone_if_known(deps: Deps, actor: Actor) -> str | None:
    """The zone the form names: what the bot knows (the command is acknowledged before Slack is asked), or
    None, and the form says "your Slack time zone" (the submission looks it up). Never a guessed UTC."""
    try:
        return timezone_of(deps.sessions, deps.directory, deps.clock(), actor, required=True)
    except (NotCached, SlackBusy, UnknownPerson):
        return None
