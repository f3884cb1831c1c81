"""What a person is told about their calendar feed, by `/1on1 calendar` and by the Home tab's *Calendar*."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.services.calendar_feed import Issued
from bot.slack.blocks.common import section
from bot.slack.ids import CALENDAR_MODAL, COMMAND

HOW_TO_SUBSCRIBE = (
    "Add it to your calendar as a subscription: Google Calendar: *Other calendars → + → From URL*; "
    "Outlook: *Add calendar → Subscribe from web*; Apple Calendar: *File → New Calendar Subscription*."
)
NO_PUBLIC_URL = (
    ":calendar: Calendar feeds are off: whoever runs this bot hasn't set `PUBLIC_URL` (the address the "
    "bot is reachable at), so there is nowhere to serve your calendar from. Please ask them."
)
ALREADY_GIVEN = (
    ":calendar: You already have a calendar address. I keep only a fingerprint of it, so I can't show it "
    "again: {how} makes a new one, and the old one stops working."
)


def feed_text(issued: Issued | None, *, reset_how: str = f"`{COMMAND} calendar reset`") -> str:
    """The address just made (shown this once), or why there is none to show; None: feeds are off."""
    if issued is None:
        return NO_PUBLIC_URL
    if issued.url is None:
        return ALREADY_GIVEN.format(how=reset_how)
    first = "Your private calendar address"
    if issued.replaced:
        first = "Your *new* calendar address (the old one no longer works)"
    return (
        f":calendar: {first}, with your 1:1s on it:\n`{issued.url}`\n{HOW_TO_SUBSCRIBE}\n"
        "Keep it to yourself: anyone with it sees when your 1:1s are (never what's said in them). "
        "I show it only this once."
    )


def calendar_modal(issued: Issued | None) -> dict[str, Any]:
    """The Home tab's *Calendar*: the address, or (when one was given before) a way to make a new one."""
    offer_reset = issued is not None and issued.url is None
    text = feed_text(issued, reset_how="*Make a new address*")
    return View(
        type="modal",
        callback_id=CALENDAR_MODAL,
        title="Your calendar",
        close="Close",
        submit="Make a new address" if offer_reset else None,
        blocks=[section(text)],
    ).to_dict()
