"""The summary form: key points, the agenda's topics to tick, an input per step of each templated topic,
action item rows that grow, a private note.

It opens with `ACTION_SLOTS` rows; *Add another action item* rebuilds it with one more (views.update), up to
`MAX_ACTION_SLOTS` or the modal's 100 blocks, whichever comes first. Slack keeps what was typed across an
update only for inputs whose block_id and action_id are unchanged ("Preserving input entry", views.update),
so a row's ids depend on its number alone and a rebuilt form keeps every id it had. The form's rows are
read back from its own blocks (`action_rows`), so a form opened before it could grow still reads as five.

The templated topics' steps share the topic boxes' budget (what leaves room for the first five rows and the
button): past it, the oldest templated topics keep their inputs and the form says how many are left out.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.agenda import NOTE_MAX_CHARS, TOPIC_MAX_CHARS
from bot.domain.templates import Step, template_of
from bot.services.agenda import TopicLine
from bot.services.summaries import KEY_POINTS_MAX_CHARS, SummaryForm
from bot.slack.blocks.templates import outcome_label
from bot.slack.ids import (
    ACTION_SLOTS,
    COVERED,
    KEY_POINTS,
    MAX_ACTION_SLOTS,
    NOTE,
    SUMMARY_ADD_ACTION,
    SUMMARY_MODAL,
    action_block,
    outcome_block,
)
from bot.slack.text import plain

MAX_TOPIC_OPTIONS = 10  # Slack allows ten checkboxes per element
MAX_VIEW_BLOCKS = 100  # and a hundred blocks per modal
ROW_BLOCKS = 3  # an action item's text, owner and due date
FIXED_BLOCKS = 3  # key points, private note, the note's privacy line
# However many topics a meeting has, the rows the form opens with (and the button) still fit.
MAX_TOPIC_BLOCKS = MAX_VIEW_BLOCKS - FIXED_BLOCKS - ROW_BLOCKS * ACTION_SLOTS - 1
FIRST_TOPICS_LABEL = "Topics you covered (the rest carry over)"
MORE_TOPICS_LABEL = "Topics you covered (continued)"
ADD_ACTION_BLOCK = "add_action"
NOTICE_BLOCK = "notice"
OUTCOMES_LEFT_OUT_BLOCK = "outcomes_left_out"
ADD_ACTION_TEXT = "Add another action item"
_ACTION_TEXT_BLOCK = re.compile(r"action_([0-9]{1,2})_text")


def summary_modal(form: SummaryForm, rows: int = ACTION_SLOTS, notice: str | None = None) -> dict[str, Any]:
    """The form with `rows` action item rows (within what fits); `notice` says what just went wrong."""
    topic_groups = _topic_groups(form.topics)
    outcomes = _outcome_blocks(form)
    fits = max_rows(len(topic_groups) + len(outcomes))
    rows = max(1, min(rows, fits))
    blocks: list[Block] = [_key_points()]
    blocks.extend(_topic_block(index, group) for index, group in enumerate(topic_groups, start=1))
    blocks.extend(outcomes)
    for index in range(1, rows + 1):
        blocks.extend(_action_row(index, form.actor_user_id))
    if rows < fits:  # room for another row, so for the button (and a notice beside it) too
        if notice:
            blocks.append(ContextBlock(block_id=NOTICE_BLOCK, elements=[MarkdownTextObject(text=notice)]))
        button = SUMMARY_ADD_ACTION.element(ADD_ACTION_TEXT, form.meeting_id)
        blocks.append(ActionsBlock(block_id=ADD_ACTION_BLOCK, elements=[button]))
    blocks.extend(_note())
    return View(
        type="modal",
        callback_id=SUMMARY_MODAL,
        private_metadata=str(form.meeting_id),
        title="1:1 summary",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def max_rows(topic_boxes: int) -> int:
    """How many action item rows fit beside the form's other blocks (`topic_boxes`: the topic boxes and the
    templated topics' inputs); the button goes once all are there."""
    return min(MAX_ACTION_SLOTS, (MAX_VIEW_BLOCKS - FIXED_BLOCKS - topic_boxes) // ROW_BLOCKS)


def extra_blocks(form: SummaryForm) -> int:
    """The blocks the form shows besides its fixed ones and its rows: what `max_rows` needs to know."""
    return topic_blocks(len(form.topics)) + len(_outcome_blocks(form))


def outcome_topics(form: SummaryForm) -> tuple[list[TopicLine], int]:
    """The templated topics whose steps get inputs, oldest first, and how many are left out: all of them
    fit in what the topic boxes leave of their budget, or, past it, as many of the oldest as fit beside the
    line that says so (a topic's steps come all together or not at all). Left out, their outcomes go in the
    key points."""
    room = MAX_TOPIC_BLOCKS - topic_blocks(len(form.topics))
    templated = [(t, len(steps)) for t in form.templated if (steps := _steps(t))]
    if sum(count for _, count in templated) <= room:
        return [t for t, _ in templated], 0
    if room < 1:  # the topic boxes took it all (hundreds of topics): no room even to say so
        return [], 0
    shown: list[TopicLine] = []
    used = 1  # the line about the ones left out
    for topic, count in templated:
        if used + count > room:
            break
        shown.append(topic)
        used += count
    return shown, len(templated) - len(shown)


def topic_blocks(topics: int) -> int:
    """The checkbox blocks for this many topics: ten a block, within the budget (past it they carry over)."""
    return min(-(-topics // MAX_TOPIC_OPTIONS), MAX_TOPIC_BLOCKS)


def action_rows(view: dict[str, Any]) -> int:
    """How many action item rows a summary form shows, read from its blocks (a crafted view: at most 30)."""
    numbers = [
        int(match.group(1))
        for block in view.get("blocks") or []
        if isinstance(block, dict) and (match := _ACTION_TEXT_BLOCK.fullmatch(str(block.get("block_id"))))
    ]
    return min(max(numbers, default=0), MAX_ACTION_SLOTS)


def covered_blocks(view: dict[str, Any]) -> list[str]:
    """The block ids of the form's topic checkboxes: `covered`, then `covered_2`, `covered_3`…"""
    found = {str(block.get("block_id")) for block in view.get("blocks") or [] if isinstance(block, dict)}
    return [covered_block(index) for index in range(1, MAX_TOPIC_BLOCKS + 1) if covered_block(index) in found]


def covered_block(index: int) -> str:
    return COVERED if index == 1 else f"{COVERED}_{index}"


def _topic_groups(topics: list[TopicLine]) -> list[list[TopicLine]]:
    count = topic_blocks(len(topics))
    return [topics[i * MAX_TOPIC_OPTIONS : (i + 1) * MAX_TOPIC_OPTIONS] for i in range(count)]


def _outcome_blocks(form: SummaryForm) -> list[Block]:
    shown, left_out = outcome_topics(form)
    blocks: list[Block] = [_outcome_input(topic, step) for topic in shown for step in _steps(topic)]
    if left_out:
        more = f"{left_out} more templated topic{'s' if left_out != 1 else ''}"
        text = f"_{more} didn't fit in this form: write their outcomes in the key points._"
        blocks.append(
            ContextBlock(block_id=OUTCOMES_LEFT_OUT_BLOCK, elements=[MarkdownTextObject(text=text)])
        )
    return blocks


def _steps(topic: TopicLine) -> tuple[Step, ...]:
    template = template_of(topic.kind)
    return template.steps if template else ()


def _outcome_input(topic: TopicLine, step: Step) -> InputBlock:
    template = template_of(topic.kind)
    assert template is not None
    return InputBlock(
        block_id=outcome_block(topic.id, step.key),
        label=outcome_label(template, step, topic.text),
        hint=step.prompt,
        optional=True,
        element=PlainTextInputElement(action_id="value", multiline=True, max_length=TOPIC_MAX_CHARS),
    )


def _key_points() -> InputBlock:
    return InputBlock(
        block_id=KEY_POINTS,
        label="Key points",
        optional=True,
        element=PlainTextInputElement(
            action_id="value",
            multiline=True,
            max_length=KEY_POINTS_MAX_CHARS,
            placeholder="What you talked about and agreed",
        ),
    )


def _topic_block(index: int, topics: list[TopicLine]) -> InputBlock:
    options = [Option(value=str(t.id), text=_short(plain(t.text), 75)) for t in topics]
    return InputBlock(
        block_id=covered_block(index),
        label=FIRST_TOPICS_LABEL if index == 1 else MORE_TOPICS_LABEL,
        optional=True,
        element=CheckboxesElement(action_id="value", options=options),
    )


def _action_row(index: int, actor_user_id: str) -> list[Block]:
    return [
        InputBlock(
            block_id=action_block(index, "text"),
            label=f"Action item {index}",
            optional=True,
            element=PlainTextInputElement(action_id="value", max_length=TOPIC_MAX_CHARS),
        ),
        InputBlock(
            block_id=action_block(index, "owner"),
            label="Owner",
            optional=True,
            element=UserSelectElement(action_id="value", initial_user=actor_user_id),
        ),
        InputBlock(
            block_id=action_block(index, "due"),
            label="Due",
            optional=True,
            element=DatePickerElement(action_id="value"),
        ),
    ]


def _note() -> list[Block]:
    return [
        InputBlock(
            block_id=NOTE,
            label="Private note",
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=NOTE_MAX_CHARS),
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=":lock: The private note is for you alone: never posted, never shown to anyone else."
                )
            ]
        ),
    ]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
