"""Delete my data: submitting the confirmation modal (`/1on1 delete-my-data` opens it) erases."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError, InvalidField
from bot.services import erasure
from bot.slack import ids
from bot.slack.blocks.erasure_modal import emptied_home, erased_modal
from bot.slack.deps import Deps
from bot.slack.forms.state import input_state
from bot.slack.payloads import actor_of
from bot.slack.text import said_plainly

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.view(ids.DELETE_MY_DATA_MODAL)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        actor = actor_of(body)
        try:
            erasure.confirmed(input_state(view, erasure.CONFIRM).get("value"))
            erased = erasure.erase_me(deps.sessions, deps.clock(), actor)
        except DomainError as error:
            # Under the confirmation field, as plain text; nothing was deleted.
            field = error.field if isinstance(error, InvalidField) else erasure.CONFIRM
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        logger.info("erased the data of a person of team %s (%d 1:1s ended)", actor.team_id, _ended(erased))
        ack(response_action="update", view=erased_modal(erased))
        if erased is not None:
            deps.later.run(lambda: _empty_home(client, actor.user_id), f"emptied Home of {actor.user_id}")


def _empty_home(client: WebClient, user_id: str) -> None:
    """Their Home tab still shows their 1:1s until it is published again; the bot can't reach them through
    the outbox any more (their row is a placeholder), so it is published here, once."""
    try:
        client.views_publish(user_id=user_id, view=emptied_home())
    except (SlackApiError, SlackClientError, OSError) as error:
        # Their data is gone either way; the Home tab shows the old view until they open it again.
        logger.warning("views.publish of an emptied Home failed for %s: %s", user_id, type(error).__name__)


def _ended(erased: erasure.Erased | None) -> int:
    return len(erased.ended) if erased else 0
