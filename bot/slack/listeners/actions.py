"""Button clicks: open the add-topic modal, place a DM'd topic, confirm or keep a cancellation.

Each click changes the database before the ack; what it says back (response_url) and any modal it
opens (views.open) go to Slack after the ack, so a slow Slack never makes a click time out.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError
from bot.services import actions, followups, rebooking, series, summaries, topics
from bot.slack.blocks import replies
from bot.slack.blocks.agenda import ADD_TOPIC_ACTION
from bot.slack.blocks.modals import add_topic_modal
from bot.slack.blocks.notices import CHOOSE_PAIR_ACTION
from bot.slack.blocks.summary import (
    ACTION_DONE_ACTION,
    NOT_HELD_ACTION,
    SLOT_CHOOSE_ACTION,
    SLOT_SKIP_ACTION,
    SUMMARY_OPEN_ACTION,
)
from bot.slack.blocks.summary_modal import summary_modal
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id
from bot.slack.text import mention

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    def say(respond: Respond, message: dict[str, Any], body: dict[str, Any]) -> None:
        deps.later.run(lambda: respond(message), f"a reply to a click by {body['user']['id']}")

    def open_view(client: WebClient, body: dict[str, Any], view: dict[str, Any], respond: Respond) -> None:
        deps.later.run(
            lambda: _open_view(client, body, view, respond), f"views.open for {body['user']['id']}"
        )

    @app.action(ADD_TOPIC_ACTION)
    def open_add_topic(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        meeting_id = parse_id(action.get("value"))
        if meeting_id is None:
            say(respond, _problem("That button doesn't point at a meeting."), body)
            return
        open_view(client, body, add_topic_modal(meeting_id), respond)

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
            say(respond, _problem(error.message), body)
            return
        text = f":white_check_mark: Added to your 1:1 with {mention(added.other_user_id)}."
        say(respond, {"replace_original": True, "text": text}, body)

    @app.action(replies.CANCEL_CONFIRM_ACTION)
    def confirm_cancel(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        series_id = parse_id(action.get("value"))
        try:
            if series_id is None:
                raise DomainError("That button doesn't point at a 1:1.")
            summary = series.cancel(deps.sessions, deps.clock(), actor_of(body), series_id)
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        deps.outbox.kick()
        say(respond, replies.cancelled_reply(summary), body)

    @app.action(SUMMARY_OPEN_ACTION)
    def open_summary(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        try:
            form = summaries.summary_form(deps.sessions, actor_of(body), _id_or_refuse(action.get("value")))
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        open_view(client, body, summary_modal(form), respond)

    @app.action(NOT_HELD_ACTION)
    def not_held(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        try:
            meeting_id = _id_or_refuse(action.get("value"))
            other = followups.report_not_held(deps.sessions, deps.clock(), actor_of(body), meeting_id)
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        deps.outbox.kick()
        text = f"Thanks for letting me know. I've suggested new times to you and {mention(other)}."
        say(respond, {"replace_original": True, "text": text}, body)

    @app.action(ACTION_DONE_ACTION)
    def action_done(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        try:
            actions.complete_action(
                deps.sessions, deps.clock(), actor_of(body), _id_or_refuse(action.get("value"))
            )
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        # The summary message is updated for both through the outbox; nothing else to say.
        deps.outbox.kick()

    @app.action(SLOT_CHOOSE_ACTION)
    def choose_slot(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        meeting_text, _, epoch_text = str(action.get("value", "")).partition(":")
        try:
            booked = rebooking.book_slot(
                deps.sessions,
                deps.clock(),
                actor_of(body),
                _id_or_refuse(meeting_text),
                _id_or_refuse(epoch_text),
            )
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        deps.outbox.kick()
        text = f":white_check_mark: Booked with {mention(booked.other_user_id)}. I've told them."
        say(respond, {"replace_original": True, "text": text}, body)

    @app.action(SLOT_SKIP_ACTION)
    def skip_missed(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        try:
            other = rebooking.skip_missed(
                deps.sessions, deps.clock(), actor_of(body), _id_or_refuse(action.get("value"))
            )
        except DomainError as error:
            say(respond, _problem(error.message), body)
            return
        deps.outbox.kick()
        say(
            respond,
            {"replace_original": True, "text": f"Skipped this one. I've told {mention(other)}."},
            body,
        )

    @app.action(replies.CANCEL_KEEP_ACTION)
    def keep_series(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        say(respond, replies.kept_reply(), body)

    # Registered last, so it only sees what nothing above took: a button from a message an older
    # version sent, or an id we never made. Slack wants a 200 either way; the person, a word.
    @app.action(re.compile(".*"))
    def unknown_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        action_id = str(action.get("action_id"))[:64]
        logger.info("a click on an unknown action id %r from user %s", action_id, body["user"]["id"])
        if body.get("response_url"):
            say(respond, _problem("That button is from an older message and no longer does anything."), body)


def _open_view(client: WebClient, body: dict[str, Any], view: dict[str, Any], respond: Respond) -> None:
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, SlackClientError, OSError) as error:
        # The trigger expires in 3 s, so no retry: say so, and the button still works a moment later.
        logger.warning("views.open failed for user %s: %s", body["user"]["id"], type(error).__name__)
        respond(_problem("Slack is busy and the form didn't open. Please click again in a moment."))


def _id_or_refuse(value: Any) -> int:
    parsed = parse_id(value)
    if parsed is None:
        raise DomainError("That button doesn't point at anything I know.")
    return parsed


def _problem(message: str) -> dict[str, Any]:
    return {"replace_original": False, "response_type": "ephemeral", "text": f":warning: {message}"}
