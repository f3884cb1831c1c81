"""The summary modal as submitted (bot/slack/blocks/summary_modal.py): a SummaryInput, with every action
item row and topic box the form grew to; and the meeting a meeting's form (summary, add a topic) is for."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.domain.errors import DomainError, InvalidField
from bot.domain.templates import STEP_KEY_MAX_CHARS
from bot.services.summaries import ActionInput, OutcomeInput, SummaryInput
from bot.slack import ids
from bot.slack.blocks.summary_modal import MAX_VIEW_BLOCKS, action_rows, covered_blocks
from bot.slack.forms.state import input_state
from bot.slack.payloads import parse_id

# ids.outcome_block(topic_id, step): which topics and steps are real is the service's to check.
_OUTCOME_BLOCK = re.compile(rf"outcome_([0-9]{{1,10}})_([a-z-]{{1,{STEP_KEY_MAX_CHARS}}})")


def read_summary(view: dict[str, Any]) -> SummaryInput:
    """The summary as typed; an owner or a topic that isn't the pair's is the service's to refuse."""
    meeting_id = meeting_of(view)
    actions = []
    # Every row the form shows: five when opened, more after "Add another action item".
    for index in range(1, action_rows(view) + 1):
        actions.append(
            ActionInput(
                ids.action_block(index, "text"),
                input_state(view, ids.action_block(index, "text")).get("value") or "",
                input_state(view, ids.action_block(index, "owner")).get("selected_user"),
                _date(input_state(view, ids.action_block(index, "due")).get("selected_date"), index),
                ids.action_block(index, "owner"),
            )
        )
    covered = [option for block in covered_blocks(view) for option in _selected(view, block)]
    return SummaryInput(
        meeting_id=meeting_id,
        source=f"view:{view.get('id')}",
        key_points=input_state(view, ids.KEY_POINTS).get("value") or "",
        actions=actions,
        covered_topic_ids=[i for i in (parse_id(o.get("value")) for o in covered) if i is not None],
        note=input_state(view, ids.NOTE).get("value") or "",
        outcomes=_outcomes(view),
    )


def meeting_of(view: dict[str, Any]) -> int:
    """The meeting a form was opened for, from its private_metadata."""
    meeting_id = parse_id(view.get("private_metadata"))
    if meeting_id is None:
        raise DomainError("This form lost track of its meeting; open it again from the agenda.")
    return meeting_id


def _outcomes(view: dict[str, Any]) -> list[OutcomeInput]:
    """Every template step written, as submitted (a crafted form: no more than a modal's blocks)."""
    values = (view.get("state") or {}).get("values") or {}
    found = []
    for block in list(values)[: MAX_VIEW_BLOCKS * 2]:
        match = _OUTCOME_BLOCK.fullmatch(str(block))
        topic_id = parse_id(match.group(1)) if match else None
        text = input_state(view, block).get("value")
        if match and topic_id is not None and isinstance(text, str) and text.strip():
            found.append(OutcomeInput(block, topic_id, match.group(2), text))
    return found[:MAX_VIEW_BLOCKS]


def _selected(view: dict[str, Any], block: str) -> list[dict[str, Any]]:
    options = input_state(view, block).get("selected_options") or []
    return [option for option in options if isinstance(option, dict)]


def _date(text: str | None, index: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidField(ids.action_block(index, "due"), "That isn't a date.") from None
