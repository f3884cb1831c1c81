"""What a click answers through its response_url: a replacement of the message, or a private word."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from bot.services.series import SeriesSummary
from bot.slack.blocks.common import section
from bot.slack.text import mention

Answer = dict[str, Any]


def click_problem(message: str) -> Answer:
    """A refusal, shown only to the person who clicked, below the message they clicked in."""
    return {"replace_original": False, "response_type": "ephemeral", "text": f":warning: {message}"}


def problem_modal(message: str) -> dict[str, Any]:
    """A refusal of a click that has no message to answer under (the Home tab): a small modal. `message`
    is mrkdwn, escaped already (`said`)."""
    return View(type="modal", title="1:1s", close="OK", blocks=[section(f":warning: {message}")]).to_dict()


def _replacing(text: str) -> Answer:
    return {"replace_original": True, "text": text}


def topic_placed(other_user_id: str) -> Answer:
    return _replacing(f":white_check_mark: Added to your 1:1 with {mention(other_user_id)}.")


def not_held(other_user_id: str) -> Answer:
    return _replacing(
        f"Thanks for letting me know. I've suggested new times to you and {mention(other_user_id)}."
    )


def slot_booked(other_user_id: str) -> Answer:
    return _replacing(f":white_check_mark: Booked with {mention(other_user_id)}. I've told them.")


def missed_skipped(other_user_id: str) -> Answer:
    return _replacing(f"Skipped this one. I've told {mention(other_user_id)}.")


def cancelled(summary: SeriesSummary) -> Answer:
    return _replacing(
        f"Ended your {summary.cadence} 1:1 with {mention(summary.other_user_id)}. I've told them."
    )


def kept() -> Answer:
    return _replacing("OK, nothing changed: your 1:1 carries on.")


def retired_button() -> Answer:
    return click_problem("That button is from an older message and no longer does anything.")
