"""The message telling someone the other person of their 1:1 deleted their data: the 1:1 ended, and what
of it they keep."""

from __future__ import annotations

from bot.domain.names import FORMER_PARTICIPANT
from bot.services.messages.erasure import PartnerErased
from bot.slack.blocks.common import Message, context, section, to_dicts
from bot.slack.blocks.series_changed import CADENCE_WORDS
from bot.slack.dates import weekly_slot


def partner_erased_message(data: PartnerErased) -> Message:
    slot = weekly_slot(data.weekday, data.local_time, data.timezone)
    head = (
        f":wave: The person you met {CADENCE_WORDS[data.cadence]} on {slot} deleted their data from "
        "this bot, so that 1:1 has ended."
    )
    kept = (
        "You keep your copy of what you shared (topics, summaries, action items) and your own private "
        f'notes; their name on it now reads "{FORMER_PARTICIPANT}".'
    )
    return {
        "text": "The other person of one of your 1:1s deleted their data; that 1:1 has ended.",
        "blocks": to_dicts([section(head), context(kept)]),
    }
