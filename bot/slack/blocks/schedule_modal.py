"""The schedule modal: a new 1:1, or one of the reader's 1:1s filled in to edit; and what it turns into once
saved (a confirmation in the same modal, so the person sees the outcome where they are)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.cadence import Cadence
from bot.domain.meetings import DEFAULT_LEAD
from bot.services.series import FIRST_DATE, PERSON, Scheduled
from bot.services.series_edit import Edited, SeriesForm
from bot.slack.blocks import replies
from bot.slack.blocks.common import WEEKDAY_NAMES, bullets, section
from bot.slack.blocks.series_changed import change_lines
from bot.slack.dates import slack_date, weekly_slot
from bot.slack.ids import SCHEDULE_MODAL
from bot.slack.text import mention

# Block ids (each input's action id is VALUE); PERSON and FIRST_DATE are the service's field names.
LEADS, CADENCE, WEEKDAY, TIME, LENGTH, LEAD = "leads", "cadence", "weekday", "time", "length", "lead"
VALUE = "value"
I_LEAD, THEY_LEAD = "me", "them"
DEFAULT_LENGTH = 30

CADENCE_CHOICES = {Cadence.WEEKLY: "Weekly", Cadence.BIWEEKLY: "Every two weeks", Cadence.MONTHLY: "Monthly"}
CADENCES = {cadence.value: text for cadence, text in CADENCE_CHOICES.items()}
WEEKDAYS = {str(index): day for index, day in enumerate(WEEKDAY_NAMES)}
LEAD_CHOICES = {I_LEAD: "I lead", THEY_LEAD: "They lead"}


def schedule_modal(zone: str | None, form: SeriesForm | None = None) -> dict[str, Any]:
    """The form, empty for a new 1:1 (private_metadata ""), or `form` filled in (the series id). `zone` is
    the reader's, shown under the time (None: not known yet, looked up when they submit)."""
    first_date = _first_date_input(form)
    blocks: list[Block] = [
        _person(form),
        _radio(
            LEADS,
            "Who leads it?",
            LEAD_CHOICES,
            I_LEAD if form is None or form.caller_is_manager else THEY_LEAD,
        ),
        _select(
            CADENCE, "How often", CADENCES, (form.cadence if form else Cadence.WEEKLY).value, "How often?"
        ),
        _select(WEEKDAY, "Day", WEEKDAYS, str(form.weekday) if form else None, "Pick a day"),
        InputBlock(
            block_id=TIME,
            label="Time",
            hint=f"In your time zone, {zone}." if zone else "In your Slack time zone.",
            element=TimePickerElement(
                action_id=VALUE, initial_time=f"{form.at:%H:%M}" if form else None, placeholder="Pick a time"
            ),
        ),
        _text(LENGTH, "Length (minutes)", str(form.duration_minutes if form else DEFAULT_LENGTH)),
        first_date,
        _text(
            LEAD,
            "Ask for topics (hours before)",
            str(int((form.lead if form else DEFAULT_LEAD).total_seconds() // 3600)),
            hint="How many hours before each meeting I ask you both for topics.",
        ),
    ]
    return View(
        type="modal",
        callback_id=SCHEDULE_MODAL,
        private_metadata=str(form.series_id) if form else "",
        title="Edit your 1:1" if form else "Schedule a 1:1",
        submit="Save" if form else "Schedule",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def scheduled_view(done: Scheduled, weekday: int, at: Any) -> dict[str, Any]:
    """The modal once a new 1:1 is stored: the same words as the command's confirmation."""
    shown = replies.scheduled_reply(done, weekday, at)["blocks"]
    return _closing_view("1:1 scheduled", shown)


def edited_view(edited: Edited, zone: str, reader_user_id: str) -> dict[str, Any]:
    """The modal once an edit is saved: what changed (what the other person is told), or that nothing did."""
    who = mention(edited.other_user_id)
    if not edited.changes:
        return _closing_view(
            "Edit your 1:1", [section("Nothing changed, so I haven't told anyone.").to_dict()]
        )
    lines = change_lines(edited.changes, zone, reader_user_id)
    text = bullets(f":white_check_mark: Saved your 1:1 with {who}:", lines)
    if edited.next_starts_at is not None:
        text += f"\nThe next one is {slack_date(edited.next_starts_at, zone)}."
    text += f"\nI've told {who} what changed. Meetings already held or skipped stay as they were."
    slot = weekly_slot(edited.weekday, edited.local_time, edited.timezone)
    footer = f"Now: {CADENCE_CHOICES[edited.cadence].lower()}, {slot}, {edited.duration_minutes} minutes."
    return _closing_view("1:1 updated", [section(text).to_dict(), section(footer).to_dict()])


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (a 1:1 that ended before its Edit button was clicked)."""
    return _closing_view(title, [section(text).to_dict()])


def _closing_view(title: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return View(type="modal", callback_id=SCHEDULE_MODAL, title=title, close="Done", blocks=blocks).to_dict()


def _person(form: SeriesForm | None) -> Block:
    if form is not None:  # an edit is of one 1:1: who it is with is not a choice
        return section(f"Your 1:1 with {mention(form.other_user_id)}")
    return InputBlock(
        block_id=PERSON,
        label="Who do you meet with?",
        element=UserSelectElement(action_id=VALUE, placeholder="Pick a person"),
    )


def _first_date_input(form: SeriesForm | None) -> InputBlock:
    if form is None:
        label, hint = "First meeting on or after", "Leave it empty to start this week."
    else:
        label, hint = "Changes start on", "Meetings before this day stay as they are."
    return InputBlock(
        block_id=FIRST_DATE,
        label=label,
        hint=hint,
        optional=True,
        element=DatePickerElement(
            action_id=VALUE, initial_date=form.start.isoformat() if form else None, placeholder="Pick a day"
        ),
    )


def _radio(block_id: str, label: str, choices: dict[str, str], initial: str) -> InputBlock:
    options = {value: Option(value=value, text=text) for value, text in choices.items()}
    element = RadioButtonsElement(
        action_id=VALUE, options=list(options.values()), initial_option=options[initial]
    )
    return InputBlock(block_id=block_id, label=label, element=element)


def _select(
    block_id: str, label: str, choices: dict[str, str], initial: str | None, placeholder: str
) -> InputBlock:
    options = {value: Option(value=value, text=text) for value, text in choices.items()}
    element = StaticSelectElement(
        action_id=VALUE,
        placeholder=placeholder,
        options=list(options.values()),
        initial_option=options[initial] if initial else None,
    )
    return InputBlock(block_id=block_id, label=label, element=element)


def _text(block_id: str, label: str, initial: str, *, hint: str | None = None) -> InputBlock:
    element = PlainTextInputElement(action_id=VALUE, initial_value=initial, max_length=10)
    return InputBlock(block_id=block_id, label=label, hint=hint, element=element)
