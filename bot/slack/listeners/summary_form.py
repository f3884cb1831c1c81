"""The summary modal growing: "Add another action item" rebuilds the form with one more row (views.update).

A click inside a modal has no response_url: the form itself is where the person looks. The update carries
the view's `hash`, so a form that changed since the click (another click got there first) is not
overwritten blindly: Slack answers `hash_conflict`, and the update is tried once more from the clicked form
without the hash. Rows only ever grow and keep their ids (bot/slack/blocks/summary_modal.py), so Slack keeps
everything typed. Any other failure is said in the form, above its button, if Slack takes that much.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError
from bot.services import summaries
from bot.services.summaries import SummaryForm
from bot.slack import ids
from bot.slack.blocks.clicks import click_problem
from bot.slack.blocks.summary_modal import action_rows, extra_blocks, max_rows, summary_modal
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of
from bot.slack.rim import BAD_VALUE
from bot.slack.text import said

logger = logging.getLogger(__name__)

NOT_ADDED = ":warning: Slack didn't add the row just now. Click *Add another action item* again."


def register(app: App, deps: Deps) -> None:
    @app.action(ids.SUMMARY_ADD_ACTION.action_id)
    def add_action_row(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        form = _form_of(deps, body, action, respond)
        view = body.get("view")
        if form is None or not isinstance(view, dict) or not view.get("id"):
            return  # refused, or not clicked in a summary form: nothing to grow
        rows = action_rows(view)
        if rows >= max_rows(extra_blocks(form)):
            return  # a stale click: the form is as long as it gets (its button is gone)
        deps.later.run(lambda: _grow(client, view, form, rows), f"summary_add_action by {body['user']['id']}")


def _form_of(
    deps: Deps, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> SummaryForm | None:
    """The form rebuilt from the meeting, which also checks the clicker is one of the pair; None if not."""
    meeting_id = ids.SUMMARY_ADD_ACTION.decode(action.get("value"))
    try:
        if meeting_id is None:
            raise DomainError(BAD_VALUE)
        return summaries.summary_form(deps.sessions, actor_of(body), meeting_id, deps.clock())
    except DomainError as error:
        user = body["user"]["id"]
        logger.info("summary form of meeting %s: add-row click refused for user %s", meeting_id, user)
        if body.get("response_url"):  # a crafted click in a message; a form has nowhere to say it
            answer = click_problem(said(error))
            deps.later.run(lambda: respond(answer), f"summary_add_action by {user}")
        return None


def _grow(client: WebClient, clicked: dict[str, Any], form: SummaryForm, rows: int) -> None:
    grown = summary_modal(form, rows + 1)
    error = _update(client, clicked["id"], grown, clicked.get("hash"))
    if error == "hash_conflict":
        # Changed since the click: most likely an earlier click on the same form, already one row longer.
        error = _update(client, clicked["id"], grown, None)
    if error is None or error == "not_found":  # added, or the form was closed meanwhile
        return
    logger.warning("summary form %s: views.update failed: %s", clicked["id"], error)
    # Only over the form as clicked (its hash): a form that changed meanwhile is left as it is.
    if _update(client, clicked["id"], summary_modal(form, rows, notice=NOT_ADDED), clicked.get("hash")):
        logger.warning("summary form %s: could not say the row wasn't added", clicked["id"])


def _update(client: WebClient, view_id: str, view: dict[str, Any], view_hash: str | None) -> str | None:
    """views.update; None when Slack took it, else its error code (or the exception's name)."""
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        return str(error.response.get("error") or error.response.status_code)
    except (SlackClientError, OSError) as error:
        return type(error).__name__
    return None
