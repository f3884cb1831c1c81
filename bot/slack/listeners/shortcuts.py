"""The "Add to 1:1 agenda" message shortcut: a Slack message becomes a topic with a link back.

Slack sends the whole message with the shortcut (``type: "message_action"``: "the message that the user
initiated the shortcut from ... the full structure of the message", and the channel it is in; shortcuts
payload reference), so this works in conversations the bot is not in. Only the permalink needs a Slack
call (chat.getPermalink); it is asked after the submission's ack, once the topic is stored, so "Added"
never waits on Slack and a failing Slack leaves the topic without its link, never without the topic.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import DomainError, InvalidField
from bot.services import topics
from bot.services.topics import MessageTopic, SlackMessage
from bot.slack import ids
from bot.slack.blocks import message_topic_modal as modal
from bot.slack.blocks.clicks import click_problem
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id
from bot.slack.rim import OpenModal, open_modal
from bot.slack.text import from_slack, said_plainly

logger = logging.getLogger(__name__)

LOST_TRACK = "This form lost track of its message; use the shortcut on the message again."
NOT_READ = "I couldn't look up your 1:1s just now, so nothing was added; please try again in a minute."
# chat.getPermalink "allows hundreds of requests per minute" (its reference): a failure is most likely
# brief. A few tries a moment apart, on the after-ack pool; past them the topic simply has no link.
PERMALINK_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.2
MAX_RETRY_AFTER_SECONDS = 3.0
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")
_TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def register(app: App, deps: Deps) -> None:
    @app.message_shortcut(ids.ADD_TO_AGENDA_SHORTCUT)
    def add_to_agenda(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user = body["user"]["id"]
        try:
            view = _form(deps, body)
        except SQLAlchemyError:
            # Slack shows nothing for a shortcut's failed ack: say it where the person can see it.
            logger.exception("the database failed opening the agenda shortcut for user %s", user)
            deps.later.run(lambda: respond(click_problem(NOT_READ)), f"shortcut trouble for {user}")
            return
        deps.later.run(
            lambda: open_modal(client, body, respond, OpenModal(view)), f"shortcut form for {user}"
        )

    @app.view(ids.MESSAGE_TOPIC_MODAL)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        try:
            form = _submitted(view)
            added = topics.add_topic_from_message(deps.sessions, deps.clock(), actor_of(body), form)
        except DomainError as error:
            field = error.field if isinstance(error, InvalidField) else modal.OWN_LINE
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        ack(response_action="update", view=modal.added_modal(added))
        if not added.linked:  # also a message added before, whose link Slack could not give then
            deps.later.run(
                lambda: _link(deps, client, added.topic_id, form.message),
                f"permalink of topic {added.topic_id}",
            )


def _form(deps: Deps, body: dict[str, Any]) -> dict[str, Any]:
    """The modal for this person and message: the form, or why there is none."""
    message = body.get("message") or {}
    quote = topics.message_quote(from_slack(str(message.get("text") or "")))
    channel_id = str((body.get("channel") or {}).get("id") or "")
    origin = modal.Origin(channel_id, str(message.get("ts") or body.get("message_ts") or ""), quote)
    if not origin.valid():  # Slack always sends both; a payload without them has nothing to link to
        return modal.problem_modal("I can't tell which message this is, so I can't add it.")
    form = topics.message_topic_form(
        deps.sessions, actor_of(body), SlackMessage(origin.channel_id, origin.ts)
    )
    if not form.pairs:
        return modal.no_1on1s_modal()
    if form.already_with is not None:
        return modal.already_added_modal(form.already_with)
    if len(form.pairs) == 1:
        origin = replace(origin, pair_id=form.pairs[0].pair_id)
    author = str(message.get("user") or "")  # none for a bot's message
    return modal.message_topic_modal(origin, form, author if _USER_ID.fullmatch(author) else None)


def _submitted(view: dict[str, Any]) -> MessageTopic:
    """The form as submitted; its metadata checked back (the pair it names is checked by the service)."""
    origin = modal.Origin.decode(view.get("private_metadata"))
    if origin is None:
        raise InvalidField(modal.OWN_LINE, LOST_TRACK)
    values = view.get("state", {}).get("values", {})
    own_line = str(((values.get(modal.OWN_LINE) or {}).get(modal.VALUE) or {}).get("value") or "")
    form = MessageTopic(
        message=SlackMessage(origin.channel_id, origin.ts),
        quote=origin.quote,
        own_line=own_line,
        own_line_field=modal.OWN_LINE,
        pair_field=modal.OWN_LINE,  # the only 1:1 came in the metadata: no field of its own
        pair_id=origin.pair_id,
    )
    if modal.WHICH_PAIR not in values:
        return form
    picked = (values[modal.WHICH_PAIR] or {}).get(modal.VALUE) or {}
    return replace(
        form,
        pair_field=modal.WHICH_PAIR,
        pair_id=parse_id((picked.get("selected_option") or {}).get("value")),
        other_user_id=picked.get("selected_user") if picked.get("type") == "users_select" else None,
    )


def _link(deps: Deps, client: WebClient, topic_id: int, message: SlackMessage) -> None:
    """After the ack: the message's permalink onto its topic; a failure leaves the topic without one."""
    permalink = _permalink(client, message)
    if permalink is None:
        return
    for attempt in (1, 2):  # one more try: the link is worth a second write, the topic is stored anyway
        try:
            if not topics.link_topic(deps.sessions, topic_id, permalink):
                logger.warning("topic %s is gone or its permalink unusable; left without a link", topic_id)
            return
        except SQLAlchemyError:
            if attempt == 2:
                raise  # logged with its traceback by the after-ack pool
            logger.warning("the database failed linking topic %s; trying again", topic_id)


def _permalink(client: WebClient, message: SlackMessage) -> str | None:
    """chat.getPermalink, tried a few times if Slack is busy; None when it can't or won't say."""
    for attempt in range(1, PERMALINK_ATTEMPTS + 1):
        pause = RETRY_PAUSE_SECONDS
        try:
            answer = client.chat_getPermalink(channel=message.channel_id, message_ts=message.ts)
            permalink = answer.get("permalink")
            return permalink if isinstance(permalink, str) else None
        except SlackApiError as error:
            code, status = error.response.get("error"), error.response.status_code
            if status != 429 and status < 500 and code not in _TRANSIENT:
                # e.g. channel_not_found: a private conversation the bot is not in. Nothing to retry.
                logger.info("no permalink for a message in %s: %s", message.channel_id, code)
                return None
            pause = max(pause, _retry_after(error))
            logger.warning("chat.getPermalink failed (%s, try %s): %s", status, attempt, code)
        except (SlackClientError, OSError) as error:
            logger.warning("chat.getPermalink failed (try %s): %s", attempt, type(error).__name__)
        if attempt < PERMALINK_ATTEMPTS:
            time.sleep(min(pause, MAX_RETRY_AFTER_SECONDS))
    return None


def _retry_after(error: SlackApiError) -> float:
    try:
        return float(error.response.headers.get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0
