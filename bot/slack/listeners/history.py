"""The *History* of a 1:1 (issue 14, part 4): the Home tab's button opens it, *Search* searches it, *Newer*
and *Older* turn its pages.

A page click in the modal updates it in place (views.update, after the ack, with the view's hash; a
conflict means another click got there first, and the page asked for is shown anyway). The same buttons
under a `/1on1 history` reply replace that reply through its response_url. Words searched are in the
modal's private_metadata; a click never carries them. A refusal is shown where the person clicked.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError
from bot.services import history
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.clicks import click_problem, problem_modal
from bot.slack.blocks.history import SEARCH_BLOCK, history_modal, history_reply, words_of
from bot.slack.blocks.replies import replacing
from bot.slack.deps import Deps
from bot.slack.forms.state import input_state
from bot.slack.payloads import actor_of, parse_id
from bot.slack.rim import BAD_VALUE, ClickAnswer, OpenModal, on_click
from bot.slack.text import said, said_plainly

logger = logging.getLogger(__name__)

NOT_TURNED = ":warning: Slack didn't turn the page just now. Click *Newer* or *Older* again."
NOTICE_BLOCK = "history_notice"
LOST = "This window lost track of its 1:1; open History again from the Home tab."


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.HISTORY_OPEN, _open)

    @app.action(ids.HISTORY_PAGE.action_id)
    def turn_page(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        modal = _clicked_modal(body)
        user = body["user"]["id"]
        try:
            value = ids.HISTORY_PAGE.decode(action.get("value"))
            if value is None:
                raise DomainError(BAD_VALUE)
            pair_id, page = value
            words = words_of(modal.get("private_metadata")) if modal else ""
            shown = history.history_of_pair(deps.sessions, deps.clock(), actor_of(body), pair_id, words, page)
        except DomainError as error:
            logger.info("history page refused for user %s", user)
            refusal = said(error)
            if modal is not None:
                deps.later.run(
                    lambda: _update(client, modal, problem_modal(refusal)), f"history page by {user}"
                )
            elif body.get("response_url"):
                deps.later.run(lambda: respond(click_problem(refusal)), f"history page by {user}")
            return
        if modal is not None:
            deps.later.run(lambda: _turn(client, modal, history_modal(shown)), f"history page by {user}")
        elif body.get("response_url"):
            deps.later.run(lambda: respond(replacing(history_reply(shown))), f"history page by {user}")

    @app.view(ids.HISTORY_MODAL)
    def search(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        words = input_state(view, SEARCH_BLOCK).get("value") or ""
        try:
            pair_id = _pair_of(view)
            shown = history.history_of_pair(deps.sessions, deps.clock(), actor_of(body), pair_id, words, 0)
        except DomainError as error:
            ack(response_action="errors", errors={SEARCH_BLOCK: said_plainly(error)})
            return
        ack(response_action="update", view=history_modal(shown))


def _open(deps: Deps, actor: Actor, pair_id: int) -> ClickAnswer:
    return OpenModal(
        history_modal(history.history_of_pair(deps.sessions, deps.clock(), actor, pair_id, "", 0))
    )


def _clicked_modal(body: dict[str, Any]) -> dict[str, Any] | None:
    """The modal the click was in; None for a click in a message (a `/1on1 history` reply)."""
    view = body.get("view")
    return view if isinstance(view, dict) and view.get("type") == "modal" and view.get("id") else None


def _pair_of(view: dict[str, Any]) -> int:
    try:
        metadata = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        metadata = None
    pair_id = parse_id(metadata.get("pair_id")) if isinstance(metadata, dict) else None
    if pair_id is None:
        raise DomainError(LOST)
    return pair_id


def _turn(client: WebClient, clicked: dict[str, Any], page: dict[str, Any]) -> None:
    error = _update(client, clicked, page)
    if error == "hash_conflict":  # another click turned it meanwhile: this one is the latest asked for
        error = _update(client, clicked, page, with_hash=False)
    if error is None or error == "not_found":  # turned, or the modal was closed meanwhile
        return
    logger.warning("history modal %s: views.update failed: %s", clicked["id"], error)
    # Said in the modal as clicked (its hash): one that changed meanwhile is left as it is.
    if _update(client, clicked, _with_notice(clicked, NOT_TURNED)):
        logger.warning("history modal %s: could not say the page didn't turn", clicked["id"])


def _with_notice(clicked: dict[str, Any], notice: str) -> dict[str, Any]:
    """The modal as clicked, with `notice` under its search box."""
    kept = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    view = {key: clicked[key] for key in kept if clicked.get(key) is not None}
    blocks = [block for block in clicked.get("blocks") or [] if block.get("block_id") != NOTICE_BLOCK]
    said = {"type": "section", "block_id": NOTICE_BLOCK, "text": {"type": "mrkdwn", "text": notice}}
    view["blocks"] = [*blocks[:1], said, *blocks[1:]]
    return view


def _update(
    client: WebClient, clicked: dict[str, Any], view: dict[str, Any], *, with_hash: bool = True
) -> str | None:
    """views.update of the clicked modal; None when Slack took it, else its error code."""
    try:
        client.views_update(view_id=clicked["id"], hash=clicked.get("hash") if with_hash else None, view=view)
    except SlackApiError as error:
        return str(error.response.get("error") or error.response.status_code)
    except (SlackClientError, OSError) as error:
        return type(error).__name__
    return None
