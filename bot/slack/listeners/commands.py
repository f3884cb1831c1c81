"""`/1on1`: parse, call a service, ack with an ephemeral reply (well inside Slack's 3 seconds).

The ack never waits on Slack: a command that needs a time zone nobody has told us yet is
acknowledged with "one moment" and finished through its response_url.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.domain.errors import DomainError
from bot.services import actions, agenda, series, topics
from bot.services.pairs import Actor
from bot.services.people import NotCached, timezone_of, timezones
from bot.slack import commands as c
from bot.slack.blocks import replies
from bot.slack.dates import slack_date
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly

logger = logging.getLogger(__name__)

Handler = Callable[[Deps, Actor, Any], replies.Reply]


def register(app: App, deps: Deps) -> None:
    @app.command(c.COMMAND)
    def on_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        # First from the database alone, so the ack never waits on Slack.
        cache_only = CacheOnly()
        reply = handle(replace(deps, directory=cache_only), command)
        who = f"/1on1 for user {command.get('user_id')}"
        if reply is None:
            # Someone's time zone is unknown yet: say so at once, finish once Slack has told us.
            ack(**replies.working_reply())
            deps.later.run(
                lambda: respond(replies.replacing(handle(deps, command) or replies.failure_reply())), who
            )
            return
        ack(**reply)
        if cache_only.asked:  # a day-old zone served; fetch today's for next time
            deps.later.run(lambda: _refresh_zones(deps, command["team_id"], cache_only.asked), who)


def _refresh_zones(deps: Deps, team_id: str, user_ids: list[str]) -> None:
    timezones(deps.sessions, deps.directory, deps.clock(), team_id, user_ids)


def handle(deps: Deps, command: dict[str, Any]) -> replies.Reply | None:
    """The reply to a command; None when it needs a time zone the directory could not give yet.

    Handlers look zones up before they write anything, so a command that comes back None changed
    nothing and can run again in full.
    """
    actor = Actor(team_id=command["team_id"], user_id=command["user_id"])
    try:
        parsed = c.parse(command.get("text") or "")
    except c.CommandError as error:
        return replies.problem_reply(error.problem, error.usage)
    try:
        return _HANDLERS[type(parsed)](deps, actor, parsed)
    except NotCached:
        return None
    except DomainError as error:
        return replies.problem_reply(error.message)
    except Exception:
        # Ids only: command text may be private.
        logger.exception(
            "/1on1 %s failed for user %s in team %s", c.NAME_OF[type(parsed)], actor.user_id, actor.team_id
        )
        return replies.failure_reply()


def _help(deps: Deps, actor: Actor, parsed: c.Help) -> replies.Reply:
    return replies.help_reply()


def _schedule(deps: Deps, actor: Actor, parsed: c.Schedule) -> replies.Reply:
    now = deps.clock()
    # Both zones: the caller's sets the series; the other's is cached for their announcement.
    zones = timezones(
        deps.sessions,
        deps.directory,
        now,
        actor.team_id,
        [actor.user_id, parsed.other_user_id],
        required=[actor.user_id],
    )
    done = series.schedule(deps.sessions, now, actor, parsed, zones[actor.user_id], zones=zones)
    deps.outbox.kick()
    return replies.scheduled_reply(done, parsed.weekday, parsed.at)


def _add_topic(deps: Deps, actor: Actor, parsed: c.AddTopic) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)  # first: see `handle`
    added = topics.add_topic(deps.sessions, now, actor, parsed.person, parsed.text)
    when = slack_date(added.meeting_starts_at, zone) if added.meeting_starts_at else None
    return replies.topic_added_reply(added.text, added.other_user_id, when)


def _agenda(deps: Deps, actor: Actor, parsed: c.Agenda | c.Actions) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    view = agenda.show_agenda(deps.sessions, now, actor, parsed.person, zone)
    return replies.agenda_reply(view) if isinstance(parsed, c.Agenda) else replies.actions_reply(view)


def _add_action(deps: Deps, actor: Actor, parsed: c.AddAction) -> replies.Reply:
    change = actions.add_action(
        deps.sessions, deps.clock(), actor, parsed.person, parsed.text, parsed.owner, parsed.due
    )
    return replies.action_added_reply(change, parsed.due)


def _done(deps: Deps, actor: Actor, parsed: c.Done) -> replies.Reply:
    change = actions.complete_action(deps.sessions, deps.clock(), actor, parsed.action_id)
    deps.outbox.kick()
    return replies.action_done_reply(change)


def _list(deps: Deps, actor: Actor, parsed: c.ListMeetings) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    return replies.list_reply(agenda.list_pairs(deps.sessions, now, actor), zone)


def _note(deps: Deps, actor: Actor, parsed: c.AddNote) -> replies.Reply:
    return replies.note_reply(agenda.add_note(deps.sessions, deps.clock(), actor, parsed.person, parsed.text))


def _skip(deps: Deps, actor: Actor, parsed: c.Skip) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    change = series.skip_next(deps.sessions, now, actor, parsed.person)
    deps.outbox.kick()
    return replies.skipped_reply(change, zone)


def _reschedule(deps: Deps, actor: Actor, parsed: c.Reschedule) -> replies.Reply:
    now = deps.clock()
    zone = timezone_of(deps.sessions, deps.directory, now, actor, required=True)
    change = series.reschedule_next(deps.sessions, now, actor, parsed.person, parsed.day, parsed.at, zone)
    deps.outbox.kick()
    return replies.moved_reply(change, zone)


def _cancel(deps: Deps, actor: Actor, parsed: c.Cancel) -> replies.Reply:
    return replies.cancel_confirmation(
        series.series_to_cancel(deps.sessions, deps.clock(), actor, parsed.person)
    )


_HANDLERS: dict[type, Handler] = {
    c.Help: _help,
    c.Schedule: _schedule,
    c.AddTopic: _add_topic,
    c.Agenda: _agenda,
    c.Actions: _agenda,
    c.AddAction: _add_action,
    c.Done: _done,
    c.ListMeetings: _list,
    c.AddNote: _note,
    c.Skip: _skip,
    c.Reschedule: _reschedule,
    c.Cancel: _cancel,
}
