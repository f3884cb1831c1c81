"""`/1on1 export [@person]`: everything the person may see of their 1:1s, as a Markdown and a JSON file in
their DM (issue 15, part 1). The reply comes at once; the files follow through the outbox."""

from __future__ import annotations

from bot.services import export
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.subcommands import grammar as g
from bot.slack.text import mention

NAME = "export"


def handle(deps: Deps, actor: Actor, parsed: g.PersonOnly) -> replies.Reply:
    done = export.request_export(deps.sessions, deps.clock(), actor, parsed.person)
    about = f"of your 1:1 with {mention(done.with_user_id)}" if done.with_user_id else "of your 1:1s"
    text = f":package: I'm preparing your export {about}; it will arrive in our DM shortly."
    return replies.reply(text, replies.section(text))


ROW = g.Subcommand(
    NAME,
    "export [@person]",
    "everything you may see of your 1:1s (with that person), as a Markdown and a JSON file in your DM",
    g.person_only(NAME),
    handle,
)
