"""`/1on1 add-topic [@person] <text>`: a topic for the next 1:1 with that person; a leading `grow:`,
`career:`, `feedback:` or `concern:` makes it a templated topic (bot/domain/templates.py)."""

from __future__ import annotations

from datetime import datetime

from bot.services import topics
from bot.services.pairs import Actor
from bot.services.people import FALLBACK_TIMEZONE, cached_zone, timezone_of
from bot.slack.blocks import replies
from bot.slack.blocks.templates import added_note
from bot.slack.dates import slack_date
from bot.slack.deps import Deps
from bot.slack.directory import CacheOnly
from bot.slack.subcommands import grammar as g

NAME = "add-topic"


def handle(deps: Deps, actor: Actor, parsed: g.PersonAndText) -> replies.Reply:
    now = deps.clock()
    zone_rule = _zone_rule(deps, now, actor)
    added = topics.add_topic(deps.sessions, now, actor, parsed.person, parsed.text, caller_zone=zone_rule)
    zone = added.caller_zone or FALLBACK_TIMEZONE
    when = slack_date(added.meeting_starts_at, zone) if added.meeting_starts_at else None
    answer = replies.topic_added_reply(added.text, added.other_user_id, when)
    note = added_note(added.kind, added.held_back)
    if note is not None:
        answer["blocks"] = [*(answer["blocks"] or []), note.to_dict()]
    return answer


def _zone_rule(deps: Deps, now: datetime, actor: Actor) -> topics.ZoneRule:
    if isinstance(deps.directory, CacheOnly):
        # Before the ack: the caller's cached zone is read with their 1:1, in the command's one transaction.
        return cached_zone(deps.directory, now, actor.user_id)
    # After "one moment": Slack is asked first, outside any transaction.
    zone = timezone_of(deps.sessions, deps.directory, now, actor)
    return lambda _zone, _checked_at: zone


ROW = g.Subcommand(
    NAME,
    "add-topic [@person] <text>",
    "put a topic on the next 1:1's shared agenda (start it with grow:, career:, feedback: or concern: "
    "for a template)",
    g.person_and_text(NAME),
    handle,
)
