"""`/1on1 calendar busy <url>` and `busy off`: the person's own calendar for busy times (issue 13, part 2)."""

from __future__ import annotations

from bot.calendar.busy_fetch import host_of
from bot.services.calendar_busy import normalised, set_busy_url
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.text import escape


def address_of(word: str) -> str:
    """The address as typed (Slack sends a URL as `<https://…>` or `<https://…|label>`)."""
    return word.strip("<>").split("|", 1)[0]


def handle(deps: Deps, actor: Actor, url: str | None) -> replies.Reply:
    set_busy_url(deps.sessions, deps.clock(), actor, url, allow_private=deps.calendar_fetch_private)
    if url is None:
        return replies.reply(
            ":calendar: Done: I no longer read your calendar, and I forgot the busy times I had from it."
        )
    host = escape(host_of(normalised(url)))  # the address is a secret: shown by its host only
    return replies.reply(
        f":calendar: Got it: I'll read your calendar at *{host}…* within 15 minutes, "
        "then every 15 minutes, so reschedule suggestions avoid your busy times. I keep only when you are "
        "busy (and all-day out-of-office days), never event titles or details. "
        "`/1on1 calendar busy off` stops it."
    )
