"""Block Kit as strict as Slack: a message's blocks and a view, checked with slack-sdk's own models.

Slack validates every block and element it receives and refuses the whole message (``invalid_blocks``) or
view (``invalid_arguments``) with messages such as ``"[ERROR] must be less than 3001 characters
[json-pointer:/blocks/0/text/text]"``. The limits are not written again here: each block is parsed with
``slack_sdk.models.blocks.Block.parse`` (which knows the block and element types) and every object in it is
checked with the model's ``validate_json()`` (text lengths, item counts, action_id lengths, ...); a view with
``slack_sdk.models.views.View``. This module only says where, in Slack's words, and adds what the models
leave out but Slack is known to refuse (empty text; an element of a type the models do not know).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block, TextObject
from slack_sdk.models.views import View

from emulator.workspace import ApiError, fail

MAX_MESSAGE_BLOCKS = 50  # Block Kit: up to 50 blocks per message (views: 100, which View checks)

# What the models' validators say, and Slack's words for it (seen in Slack's answers:
# "must be less than 3001 characters [json-pointer:/blocks/0/text/text]", "no more than 50 items allowed").
_TOO_LONG = re.compile(r"^(\w+)(?: attribute)? cannot exceed (\d+) characters$")
_TOO_MANY = re.compile(r"^(\w+)(?: attribute)? cannot exceed (\d+) (?:elements|items|blocks|cards)$")
_MISSING_ARG = re.compile(r"missing \d+ required (?:keyword-only |positional )?arguments?: '(\w+)'")
_UNEXPECTED_ARG = re.compile(r"unexpected keyword argument '(\w+)'")
# The models raise these for a shape they cannot read (a text object without text, a string for a list).
_SHAPE_ERRORS = (SlackObjectFormationError, TypeError, AttributeError, ValueError, KeyError)


def checked_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[Any] | None:
    """A message's ``blocks`` argument as Slack reads it, or the ApiError Slack answers.

    ``invalid_blocks_format`` when it is not a list (nor a JSON string of one: form-encoded calls send it
    as a string); ``invalid_blocks`` with Slack-style messages when a block is not valid.
    """
    if blocks is None:
        return None
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            raise fail("invalid_blocks_format") from None
    if not isinstance(blocks, list):
        raise fail("invalid_blocks_format")
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise fail(
            "invalid_blocks",
            f"[ERROR] no more than {MAX_MESSAGE_BLOCKS} items allowed [json-pointer:{pointer}]",
        )
    problems = block_errors(blocks, pointer)
    if problems:
        raise fail("invalid_blocks", *problems)
    return blocks


def block_errors(blocks: Sequence[Any], pointer: str = "/blocks") -> list[str]:
    """Slack-style ``[ERROR] ... [json-pointer:...]`` messages for each invalid block; [] if all are valid."""
    problems: list[str] = []
    for i, raw in enumerate(blocks):
        problems += _block(raw, f"{pointer}/{i}")[1]
    return problems


def view_errors(view: dict[str, Any], pointer: str = "/view") -> list[str]:
    """Slack-style messages for what is wrong with a view object (its own fields, then its blocks)."""
    raw_blocks = view.get("blocks")
    parsed: list[Block | None] = []
    block_problems: list[str] = []
    for i, raw in enumerate(raw_blocks if isinstance(raw_blocks, list) else []):
        block, problems = _block(raw, f"{pointer}/blocks/{i}")
        parsed.append(block)
        block_problems += problems
    try:
        # The blocks go in already parsed (None for one that is not valid): View counts them, and a block
        # that does not parse is said once, above.
        model = View(**{**view, "blocks": parsed})
    except _SHAPE_ERRORS as exc:
        return [_parse_message(exc, pointer), *block_problems]
    return [*_object_errors(model, view, pointer, skip=frozenset({"blocks", "state"})), *block_problems]


def refusal(exc: ApiError) -> tuple[str, tuple[str, ...]]:
    """(error code, messages) of an ApiError, for a refusal answered in plain text (response_url posts)."""
    messages = exc.body.get("response_metadata", {}).get("messages", [])
    return str(exc.body["error"]), tuple(messages)


# ---------------------------------------------------------------------------------------------------------


def _block(raw: Any, pointer: str) -> tuple[Block | None, list[str]]:
    """One block parsed by slack-sdk, and what is wrong with it."""
    if not isinstance(raw, dict) or not raw.get("type"):
        return None, [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    try:
        block = Block.parse(raw)
    except _SHAPE_ERRORS as exc:
        return None, [_parse_message(exc, pointer)]
    if block is None:  # GUESS: Slack's wording for a type it does not know
        return None, [f"[ERROR] unsupported block type: {raw['type']} [json-pointer:{pointer}/type]"]
    return block, _object_errors(block, raw, pointer) + _repeated_action_ids(raw, pointer)


def _repeated_action_ids(raw: dict[str, Any], pointer: str) -> list[str]:
    """Block Kit: an element's action_id "should be unique among all other action_ids in the containing
    block"; Slack refuses a block that repeats one (GUESS: its wording)."""
    seen: set[str] = set()
    problems = []
    elements = raw.get("elements")
    for j, element in enumerate(elements if isinstance(elements, list) else []):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                problems.append(
                    f"[ERROR] action_id must be unique in a block [json-pointer:{pointer}/elements/{j}]"
                )
            seen.add(action_id)
    return problems


def _object_errors(obj: JsonObject, raw: Any, pointer: str, skip: frozenset[str] = frozenset()) -> list[str]:
    """What the model's validators refuse in `obj` and, recursively, in the objects it holds."""
    problems: list[str] = []
    try:
        obj.validate_json()  # stops at the object's first invalid attribute, as the model does
    except _SHAPE_ERRORS as exc:
        problems.append(_validator_message(obj, exc, pointer))
    if isinstance(obj, TextObject) and obj.text == "":
        # Slack: "must be more than 0 characters [json-pointer:/blocks/0/text/text]"; the models allow it.
        problems.append(f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]")
    raw_fields = raw if isinstance(raw, dict) else {}
    for name in sorted(set(obj.attributes) - skip):
        problems += _value_errors(getattr(obj, name, None), raw_fields.get(name), f"{pointer}/{name}")
    return problems


def _value_errors(value: Any, raw: Any, pointer: str) -> list[str]:
    if isinstance(value, JsonObject):
        return _object_errors(value, raw, pointer)
    if isinstance(value, list | tuple):
        raw_items = raw if isinstance(raw, list) else []
        problems: list[str] = []
        for j, item in enumerate(value):
            raw_item = raw_items[j] if j < len(raw_items) else None
            problems += _value_errors(item, raw_item, f"{pointer}/{j}")
        return problems
    if value is None and isinstance(raw, dict):
        # The model dropped an object it could not read: an element of a type it does not know (it logs
        # "Unknown element detected and skipped"). Slack's words for a shape that fits no schema.
        return [f"[ERROR] failed to match all allowed schemas [json-pointer:{pointer}]"]
    return []


def _validator_message(obj: JsonObject, exc: Exception, pointer: str) -> str:
    """A model's validator message in Slack's words, pointing at the attribute it names."""
    text = str(exc)
    if (match := _TOO_LONG.match(text)) and hasattr(obj, match[1]):
        name, limit = match[1], int(match[2])
        where = f"{pointer}/{name}" + ("/text" if isinstance(getattr(obj, name), TextObject) else "")
        return f"[ERROR] must be less than {limit + 1} characters [json-pointer:{where}]"
    if (match := _TOO_MANY.match(text)) and hasattr(obj, match[1]):
        return f"[ERROR] no more than {match[2]} items allowed [json-pointer:{pointer}/{match[1]}]"
    first = text.split(" ", 1)[0]
    where = f"{pointer}/{first}" if first in obj.attributes else pointer
    return f"[ERROR] {text} [json-pointer:{where}]"


def _parse_message(exc: Exception, pointer: str) -> str:
    """What a model's constructor raised, as Slack would say it."""
    text = str(exc)
    if isinstance(exc, KeyError):
        return f"[ERROR] missing required field: {exc.args[0]} [json-pointer:{pointer}]"
    if match := _MISSING_ARG.search(text):
        return f"[ERROR] missing required field: {match[1]} [json-pointer:{pointer}]"
    if match := _UNEXPECTED_ARG.search(text):  # raised somewhere inside: the pointer is the outer object's
        return f"[ERROR] unsupported field: {match[1]} [json-pointer:{pointer}]"
    return f"[ERROR] {text} [json-pointer:{pointer}]"
