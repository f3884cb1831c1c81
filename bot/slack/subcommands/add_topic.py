"""`/1on1 add-topic [@person] <text>`: a topic for the next 1:1 with that person; a leading `grow:`,
`career:`, `feedback:` or `concern:` makes it a templated topic (bot/domain/templates.py)."""

from __future__ import annotations

from bot.services import topics
from bot.services.pairs import Actor
from bot.services.people import FALLBACK_TIMEZONE
from bot.slack.blocks import replies
from bot.slack.blocks.templates import added_note
from bot.slack.dates import slack_date
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.subcommands.zones import zone_rule

NAME = "add-topic"


def handle(deps: Deps, actor: Actor, parsed: g.PersonAndText) -> replies.Reply:
    now = deps.clock()
    rule = zone_rule(deps, now, actor)
    added = topics.add_topic(deps.sessions, now, actor, parsed.person, parsed.text, caller_zone=rule)
    zone = added.caller_zone or FALLBACK_TIMEZONE
    when = slack_date(added.meeting_starts_at, zone) if added.meeting_starts_at else None
    answer = replies.topic_added_reply(added.text, added.other_user_id, when)
    note = added_note(added.kind, added.held_back)
    if note is not None:
        answer["blocks"] = [*(answer["blocks"] or []), note.to_dict()]
    return answer


ROW = g.Subcommand(
    NAME,
    "add-topic [@person] <text>",
    "put a topic on the next 1:1's shared agenda (start it with grow:, career:, feedback: or concern: "
    "for a template)",
    g.person_and_text(NAME),
    handle,
)
