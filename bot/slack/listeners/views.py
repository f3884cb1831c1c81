"""Modal submissions: a topic added from the prompt's "Add a topic" button."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.domain.errors import DomainError
from bot.services import summaries, topics
from bot.services.summaries import ActionInput, SummaryInput, SummaryInvalid
from bot.slack.blocks.modals import ADD_TOPIC_MODAL, TOPIC_BLOCK, TOPIC_INPUT
from bot.slack.blocks.summary_modal import (
    ACTION_SLOTS,
    COVERED,
    KEY_POINTS,
    NOTE,
    SUMMARY_MODAL,
    action_block,
)
from bot.slack.deps import Deps
from bot.slack.payloads import actor_of, parse_id
from bot.slack.text import plain_words


def register(app: App, deps: Deps) -> None:
    register_summary(app, deps)

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
            source = f"view:{view.get('id')}"
            topics.add_topic_to_meeting(deps.sessions, deps.clock(), actor, meeting_id, text or "", source)
        except DomainError as error:
            # Shown under the field; the modal stays open with what the person typed.
            ack(response_action="errors", errors={TOPIC_BLOCK: plain_words(error.message)})
            return
        ack()


def register_summary(app: App, deps: Deps) -> None:
    @app.view(SUMMARY_MODAL)
    def submit_summary(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        meeting_id = parse_id(view.get("private_metadata"))
        try:
            if meeting_id is None:
                raise SummaryInvalid(KEY_POINTS, "This form lost track of its meeting; open it again.")
            form = _summary_input(meeting_id, str(view.get("id")), values)
            summaries.submit_summary(deps.sessions, deps.clock(), actor_of(body), form)
        except SummaryInvalid as error:
            ack(response_action="errors", errors={error.field: plain_words(error.message)})
            return
        except DomainError as error:
            ack(response_action="errors", errors={KEY_POINTS: plain_words(error.message)})
            return
        ack()
        deps.outbox.kick()


def _summary_input(meeting_id: int, view_id: str, values: dict[str, Any]) -> SummaryInput:
    actions = []
    for index in range(1, ACTION_SLOTS + 1):
        text = _value(values, action_block(index, "text")) or ""
        owner = (values.get(action_block(index, "owner")) or {}).get("value", {}).get("selected_user")
        due_text = (values.get(action_block(index, "due")) or {}).get("value", {}).get("selected_date")
        actions.append(
            ActionInput(
                action_block(index, "text"), text, owner, _date(due_text, index), action_block(index, "owner")
            )
        )
    covered = (values.get(COVERED) or {}).get("value", {}).get("selected_options") or []
    return SummaryInput(
        meeting_id=meeting_id,
        source=f"view:{view_id}",
        key_points=_value(values, KEY_POINTS) or "",
        actions=actions,
        covered_topic_ids=[i for i in (parse_id(o.get("value")) for o in covered) if i is not None],
        note=_value(values, NOTE) or "",
    )


def _value(values: dict[str, Any], block: str) -> str | None:
    return ((values.get(block) or {}).get("value") or {}).get("value")


def _date(text: str | None, index: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SummaryInvalid(action_block(index, "due"), "That isn't a date.") from None
