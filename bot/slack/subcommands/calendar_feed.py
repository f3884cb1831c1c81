"""`/1on1 calendar` and `/1on1 calendar reset`: the person's private feed address (issue 13, part 1)."""

from __future__ import annotations

from bot.services import calendar_feed
from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.ids import COMMAND

HOW_TO_SUBSCRIBE = (
    "Add it to your calendar as a subscription: Google Calendar: *Other calendars → + → From URL*; "
    "Outlook: *Add calendar → Subscribe from web*; Apple Calendar: *File → New Calendar Subscription*."
)
NO_PUBLIC_URL = (
    ":calendar: Calendar feeds are off: whoever runs this bot hasn't set `PUBLIC_URL` (the address the "
    "bot is reachable at), so there is nowhere to serve your calendar from. Please ask them."
)


def handle(deps: Deps, actor: Actor, reset: bool) -> replies.Reply:
    if deps.public_url is None:
        return replies.reply(NO_PUBLIC_URL)
    issued = calendar_feed.issue(deps.sessions, deps.clock(), actor, deps.public_url, reset=reset)
    if issued.url is None:
        return replies.reply(
            ":calendar: You already have a calendar address. I keep only a fingerprint of it, so I can't "
            f"show it again: `{COMMAND} calendar reset` makes a new one, and the old one stops working."
        )
    first = "Your private calendar address"
    if issued.replaced:
        first = "Your *new* calendar address (the old one no longer works)"
    return replies.reply(
        f":calendar: {first}, with your 1:1s on it:\n`{issued.url}`\n{HOW_TO_SUBSCRIBE}\n"
        "Keep it to yourself: anyone with it sees when your 1:1s are (never what's said in them). "
        "I show it only this once."
    )
