"""Every id the bot puts in Slack's payloads: buttons with their values, modals and their fields.

A button's value is written and read here, beside its action id, so the two can't drift apart. Ids are
stored in messages people still have: never rename one (an old button would stop working).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slack_sdk.models.blocks import ButtonElement

from bot.domain.pulse import SCALE, Feeling
from bot.slack.payloads import parse_id

T = TypeVar("T")


@dataclass(frozen=True)
class Button(Generic[T]):
    action_id: str
    encode: Callable[[T], str]
    decode: Callable[[Any], T | None]  # None for anything crafted or garbled

    def element(self, text: str, value: T, *, style: str | None = None) -> ButtonElement:
        return ButtonElement(text=text, action_id=self.action_id, value=self.encode(value), style=style)


def _one_id(action_id: str) -> Button[int]:
    return Button(action_id, str, parse_id)


def _two_ids(action_id: str) -> Button[tuple[int, int]]:
    def decode(value: Any) -> tuple[int, int] | None:
        first, _, second = str(value or "").partition(":")
        a, b = parse_id(first), parse_id(second)
        return None if a is None or b is None else (a, b)

    return Button(action_id, lambda pair: f"{pair[0]}:{pair[1]}", decode)


def _pulse_tap() -> Button[tuple[int, Feeling, int]]:
    def decode(value: Any) -> tuple[int, Feeling, int] | None:
        parts = str(value or "").split(":")
        if len(parts) != 3 or parts[1] not in Feeling.__members__.values():
            return None
        meeting_id, score = parse_id(parts[0]), parse_id(parts[2])
        if meeting_id is None or score not in SCALE:
            return None
        return meeting_id, Feeling(parts[1]), score

    return Button("pulse_tap", lambda tap: f"{tap[0]}:{tap[1].value}:{tap[2]}", decode)


COMMAND = "/1on1"  # the slash command, as the manifest declares it

# Buttons, each with what its value holds.
ADD_TOPIC = _one_id("agenda_add_topic")  # meeting id
CHOOSE_PAIR = _two_ids("pending_topic_choose")  # (pending topic id, pair id)
SUMMARY_OPEN = _one_id("summary_open")  # meeting id
NOT_HELD = _one_id("meeting_not_held")  # meeting id
ACTION_DONE = _one_id("action_done")  # action item id
SLOT_CHOOSE = _two_ids("slot_choose")  # (meeting id, slot start as a Unix time)
SLOT_SKIP = _one_id("slot_skip")  # meeting id
CANCEL_CONFIRM = _one_id("series_cancel_confirm")  # series id
# Keeping needs no id: any value (or none, from an old message) keeps the series.
CANCEL_KEEP: Button[str] = Button("series_cancel_keep", str, lambda value: str(value or ""))

# The Home tab's buttons (issue 12). A button with no value of its own carries "" (any value works).
SCHEDULE_OPEN: Button[str] = Button("schedule_open", str, lambda value: str(value or ""))
SETTINGS_OPEN: Button[str] = Button("settings_open", str, lambda value: str(value or ""))
CALENDAR_OPEN: Button[str] = Button("calendar_open", str, lambda value: str(value or ""))  # issue 13
SERIES_EDIT = _one_id("series_edit")  # series id: opens the schedule modal filled in
AGENDA_OPEN = _one_id("agenda_open")  # pair id: the agenda in a modal
HOME_SKIP_NEXT = _one_id("home_skip_next")  # pair id: skip the pair's next meeting
HOME_RESCHEDULE_NEXT = _one_id("home_reschedule_next")  # pair id: a modal to move the next meeting
HOME_ADD_TOPIC = _one_id("home_add_topic")  # pair id: the add-topic modal for the pair's next meeting
SUMMARY_ADD_ACTION = _one_id("summary_add_action")  # meeting id: one more action item row (views.update)
# The notice that someone is away for a meeting (issue 13).
AWAY_RESCHEDULE = _one_id("away_reschedule")  # meeting id: offer new times for it
AWAY_SKIP = _one_id("away_skip")  # meeting id: record it as skipped
# Coaching depth (issue 14).
PULSE_TAP = _pulse_tap()  # (meeting id, feeling, score): one tap of the pre-meeting pulse
# Slack refuses an actions block whose buttons share an action id: each score of a feeling's row has its own.
PULSE_TAPS = tuple(
    Button(f"{PULSE_TAP.action_id}_{score}", PULSE_TAP.encode, PULSE_TAP.decode) for score in SCALE
)
QUESTION_NOT_USEFUL = _one_id("question_not_useful")  # meeting id: retire its question for the pair
TOPIC_SHARE = _one_id("topic_share")  # topic id: its author shares a held-back concern before the meeting
HISTORY_OPEN = _one_id("history_open")  # pair id: the pair's history in a modal
HISTORY_PAGE = _two_ids("history_page")  # (pair id, page): another page of it (the words are in metadata)
# People own their data (issue 15).
HANDOFF_CONFIRM = _one_id("handoff_confirm")  # handoff request id: the report agrees
HANDOFF_DECLINE = _one_id("handoff_decline")  # handoff request id: the report says no

# Shortcuts, as the manifest declares them.
SCHEDULE_SHORTCUT = "schedule_1on1"  # global: "Schedule a 1:1"
ADD_TO_AGENDA_SHORTCUT = "add_to_1on1_agenda"  # on a message: "Add to 1:1 agenda"

# Modals: callback ids, and the block ids of their inputs (each input's action id is "value" unless named).
ADD_TOPIC_MODAL = "add_topic_modal"
TOPIC_BLOCK = "topic"
TOPIC_INPUT = "topic_text"
TOPIC_KIND_BLOCK = "topic_kind"  # its template (a static select; action id "value")
TOPIC_SHARE_BLOCK = "topic_share_early"  # a concern: share it before the meeting (a checkbox)

SUMMARY_MODAL = "summary_modal"
KEY_POINTS = "key_points"
COVERED = "covered"
NOTE = "note"
ACTION_SLOTS = 5  # the rows a summary form opens with; "Add another action item" adds more
MAX_ACTION_SLOTS = 30  # three inputs each: within a modal's 100 blocks with the form's other fields

SCHEDULE_MODAL = "schedule_modal"  # private_metadata: "" (new) or the series id (edit)
SETTINGS_MODAL = "settings_modal"
CALENDAR_MODAL = "calendar_modal"  # the feed's address; submitting it makes a new one
RESCHEDULE_MODAL = "reschedule_modal"  # private_metadata: the pair id
AGENDA_MODAL = "agenda_modal"  # read only (no submit)
MESSAGE_TOPIC_MODAL = "message_topic_modal"  # private_metadata: JSON of the message's channel and ts
DELETE_MY_DATA_MODAL = "delete_my_data_modal"  # says what goes and what stays; submitting deletes
HISTORY_MODAL = "history_modal"  # private_metadata: JSON of the pair id, the words searched and the page


def outcome_block(topic_id: int, step: str) -> str:
    """The block id of a templated topic's step (e.g. GROW's "will") in the summary modal."""
    return f"outcome_{topic_id}_{step}"


def action_block(index: int, part: str) -> str:
    """The block id of action item `index`'s `part` ("text", "owner" or "due") in the summary modal."""
    return f"action_{index}_{part}"
