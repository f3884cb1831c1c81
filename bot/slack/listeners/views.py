"""Modal submissions: a topic added from the prompt's "Add a topic" button."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import DomainError
from bot.services import topics
from bot.slack.blocks.modals import ADD_TOPIC_MODAL, TOPIC_BLOCK, TOPIC_INPUT
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id


def register(app: App, deps: Deps) -> None:
    @app.view(ADD_TOPIC_MODAL)
    def add_topic(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = ((view.get("state", {}).get("values", {}).get(TOPIC_BLOCK) or {}).get(TOPIC_INPUT) or {}).get(
            "value"
        )
        meeting_id = parse_id(view.get("private_metadata"))
        actor = actor_of(body)
        try:
            if meeting_id is None:
                raise DomainError("This form lost track of its meeting; open it again from the agenda.")
            topics.add_topic_to_meeting(deps.sessions, deps.clock(), actor, meeting_id, text or "")
        except DomainError as error:
            # Shown under the field; the modal stays open with what the person typed.
            ack(response_action="errors", errors={TOPIC_BLOCK: error.message})
            return
        ack()
