"""Modal submissions behind the rim (bot/slack/rim.py): a topic from the prompt's "Add a topic"
button, and the meeting's summary (however many action item rows and topic boxes its form grew to). Each
reads its form and calls one service."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import App

from bot.domain.errors import DomainError, InvalidField
from bot.services import summaries, topics
from bot.services.pairs import Actor
from bot.services.summaries import ActionInput, SummaryInput
from bot.slack import ids
from bot.slack.blocks.summary_modal import action_rows, covered_blocks
from bot.slack.deps import Deps
from bot.slack.payloads import parse_id
from bot.slack.rim import on_submit


def register(app: App, deps: Deps) -> None:
    on_submit(app, deps, ids.ADD_TOPIC_MODAL, ids.TOPIC_BLOCK, _add_topic)
    on_submit(app, deps, ids.SUMMARY_MODAL, ids.KEY_POINTS, _summary)


def _add_topic(deps: Deps, actor: Actor, view: dict[str, Any]) -> None:
    text = _input(view, ids.TOPIC_BLOCK, ids.TOPIC_INPUT).get("value") or ""
    meeting_id = _meeting_of(view)
    source = f"view:{view.get('id')}"  # the same form delivered twice adds the topic once
    topics.add_topic_to_meeting(deps.sessions, deps.clock(), actor, meeting_id, text, source)


def _summary(deps: Deps, actor: Actor, view: dict[str, Any]) -> None:
    meeting_id = _meeting_of(view)
    actions = []
    # Every row the form shows: five when opened, more after "Add another action item".
    for index in range(1, action_rows(view) + 1):
        actions.append(
            ActionInput(
                ids.action_block(index, "text"),
                _input(view, ids.action_block(index, "text")).get("value") or "",
                _input(view, ids.action_block(index, "owner")).get("selected_user"),
                _date(_input(view, ids.action_block(index, "due")).get("selected_date"), index),
                ids.action_block(index, "owner"),
            )
        )
    covered = [option for block in covered_blocks(view) for option in _selected(view, block)]
    form = SummaryInput(
        meeting_id=meeting_id,
        source=f"view:{view.get('id')}",
        key_points=_input(view, ids.KEY_POINTS).get("value") or "",
        actions=actions,
        covered_topic_ids=[i for i in (parse_id(o.get("value")) for o in covered) if i is not None],
        note=_input(view, ids.NOTE).get("value") or "",
    )
    summaries.submit_summary(deps.sessions, deps.clock(), actor, form)


def _input(view: dict[str, Any], block: str, action: str = "value") -> dict[str, Any]:
    """One input's state as Slack sends it (`{}` when the block is missing or its value null)."""
    return ((view.get("state", {}).get("values", {}).get(block) or {}).get(action)) or {}


def _selected(view: dict[str, Any], block: str) -> list[dict[str, Any]]:
    options = _input(view, block).get("selected_options") or []
    return [option for option in options if isinstance(option, dict)]


def _meeting_of(view: dict[str, Any]) -> int:
    meeting_id = parse_id(view.get("private_metadata"))
    if meeting_id is None:
        raise DomainError("This form lost track of its meeting; open it again from the agenda.")
    return meeting_id


def _date(text: str | None, index: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidField(ids.action_block(index, "due"), "That isn't a date.") from None
