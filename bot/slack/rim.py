"""The thin rim every click and form goes through, so each listener is only its service call.

A click: ack at once, read who clicked and the button's value, call the service, and after the ack
answer through the response_url or open a modal. A form: read who submitted, call the service, and
ack with the errors on the fields that are wrong (or nothing). A `DomainError` becomes the person's
answer; the deliverer is kicked by `DedupingApp` once for a request that queued a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError, InvalidField
from bot.services.pairs import Actor
from bot.slack.blocks.clicks import click_problem, problem_modal
from bot.slack.deps import Deps
from bot.slack.ids import Button
from bot.slack.payloads import actor_of
from bot.slack.text import said, said_plainly

logger = logging.getLogger(__name__)

T = TypeVar("T")
Message = dict[str, Any]


@dataclass(frozen=True)
class OpenModal:
    """A click's answer that is a modal to open (with the click's trigger id)."""

    view: dict[str, Any]


ClickAnswer = Message | OpenModal | None
OnClick = Callable[[Deps, Actor, T], ClickAnswer]
OnSubmit = Callable[[Deps, Actor, dict[str, Any]], None]

BAD_VALUE = "That button doesn't point at anything I know."
SLACK_BUSY = "Slack is busy and the form didn't open. Please click again in a moment."


def on_click(app: App, deps: Deps, button: Button[T], handle: OnClick[T]) -> None:
    """Register `handle(deps, actor, value)` for `button`; its answer goes to Slack after the ack."""

    @app.action(button.action_id)
    def listener(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        value = button.decode(action.get("value"))
        try:
            if value is None:
                raise DomainError(BAD_VALUE)
            answer = handle(deps, actor_of(body), value)
        except DomainError as error:
            # Said under the message clicked in; a click with none to answer under (the Home tab) gets a
            # small modal instead, so a refusal is never silent.
            refusal = said(error)
            answer = click_problem(refusal) if body.get("response_url") else OpenModal(problem_modal(refusal))
        if answer is not None:
            deps.later.run(
                lambda: _answer(client, body, respond, answer), f"{button.action_id} by {body['user']['id']}"
            )


def on_submit(app: App, deps: Deps, callback_id: str, default_field: str, handle: OnSubmit) -> None:
    """Register `handle(deps, actor, view)` for a modal; a refusal shows under its field (or the default)."""

    @app.view(callback_id)
    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            handle(deps, actor_of(body), view)
        except DomainError as error:
            field = error.field if isinstance(error, InvalidField) else default_field
            # Shown under the field, as plain text; the modal stays open with what the person typed.
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        ack()


def open_modal(client: WebClient, body: dict[str, Any], respond: Respond | None, modal: OpenModal) -> None:
    """Open `modal` with the request's trigger id; if Slack refuses, say so where the person can see it."""
    try:
        client.views_open(trigger_id=body["trigger_id"], view=modal.view)
    except (SlackApiError, SlackClientError, OSError) as error:
        # The trigger expires in 3 s, so no retry: say so, and the button still works a moment later.
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        logger.warning("views.open failed for user %s: %s", user, type(error).__name__)
        if respond is not None and body.get("response_url"):
            respond(click_problem(SLACK_BUSY))


def _answer(client: WebClient, body: dict[str, Any], respond: Respond, answer: Message | OpenModal) -> None:
    if isinstance(answer, OpenModal):
        open_modal(client, body, respond, answer)
        return
    if body.get("response_url"):  # a click inside a modal has none
        respond(answer)
