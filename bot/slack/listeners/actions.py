"""Button clicks: open the add-topic modal, place a DM'd topic, confirm or keep a cancellation."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain.errors import DomainError
from bot.services import series, topics
from bot.slack.blocks import replies
from bot.slack.blocks.agenda import ADD_TOPIC_ACTION
from bot.slack.blocks.modals import add_topic_modal
from bot.slack.blocks.notices import CHOOSE_PAIR_ACTION
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id
from bot.slack.text import mention

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(ADD_TOPIC_ACTION)
    def open_add_topic(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        meeting_id = parse_id(action.get("value"))
        if meeting_id is None:
            respond(_problem("That button doesn't point at a meeting."))
            return
        client.views_open(trigger_id=body["trigger_id"], view=add_topic_modal(meeting_id))

    @app.action(CHOOSE_PAIR_ACTION)
    def choose_pair(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        pending_id, _, pair_id = str(action.get("value", "")).partition(":")
        pending, pair = parse_id(pending_id), parse_id(pair_id)
        try:
            if pending is None or pair is None:
                raise DomainError("That button doesn't point at a topic.")
            added = topics.choose_meeting_for_pending(
                deps.sessions, deps.clock(), actor_of(body), pending, pair
            )
        except DomainError as error:
            respond(_problem(error.message))
            return
        respond(
            {
                "replace_original": True,
                "text": f":white_check_mark: Added to your 1:1 with {mention(added.other_user_id)}.",
            }
        )

    @app.action(replies.CANCEL_CONFIRM_ACTION)
    def confirm_cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        series_id = parse_id(action.get("value"))
        try:
            if series_id is None:
                raise DomainError("That button doesn't point at a 1:1.")
            summary = series.cancel(deps.sessions, deps.clock(), actor_of(body), series_id)
        except DomainError as error:
            respond(_problem(error.message))
            return
        deps.outbox.kick()
        respond(replies.cancelled_reply(summary))

    @app.action(replies.CANCEL_KEEP_ACTION)
    def keep_series(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replies.kept_reply())


def _problem(message: str) -> dict[str, Any]:
    return {"replace_original": False, "response_type": "ephemeral", "text": f":warning: {message}"}
