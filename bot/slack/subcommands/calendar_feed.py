"""`/1on1 calendar` and `/1on1 calendar reset`: the person's private feed address (issue 13, part 1)."""

from __future__ import annotations

from bot.services import calendar_feed
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.blocks.calendar import feed_text
from bot.slack.deps import Deps


def handle(deps: Deps, actor: Actor, reset: bool) -> replies.Reply:
    if deps.public_url is None:
        return replies.reply(feed_text(None))
    return replies.reply(
        feed_text(calendar_feed.issue(deps.sessions, deps.clock(), actor, deps.public_url, reset=reset))
    )
