"""The Settings modal (working days and hours, when I am asked for topics, the question suggestion, the
pulse check-in, public holidays, time away, a busy calendar), and what it turns into once saved."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.domain.settings import LEAD_CHOICES, Field, PersonalSettings
from bot.services.settings import SettingsForm
from bot.slack.blocks.common import WEEKDAY_NAMES, bullets, context, section
from bot.slack.ids import SETTINGS_MODAL

VALUE = "value"  # each input's action id, as in the other modals
OWN_LEAD = "series"  # the lead option "each 1:1's own setting"
QUESTION_ON = "on"  # the question checkbox's one option
PULSE_AS_REPORT, PULSE_AS_MANAGER = "report", "manager"  # the pulse checkboxes' options
TITLE = "Settings"


def settings_modal(form: SettingsForm) -> dict[str, Any]:
    current = form.settings
    zone = f"In your time zone, {form.timezone}." if form.timezone else "In your Slack time zone."
    days = [Option(value=str(day), text=name) for day, name in enumerate(WEEKDAY_NAMES)]
    leads = _lead_options(form)
    chosen_lead = OWN_LEAD if current.lead_minutes is None else str(current.lead_minutes)
    question = Option(value=QUESTION_ON, text="Suggest a question to think about before each 1:1")
    blocks = [
        InputBlock(
            block_id=Field.DAYS,
            label="Working days",
            element=CheckboxesElement(
                action_id=VALUE,
                options=days,
                initial_options=[days[day] for day in sorted(current.hours.days)],
            ),
        ),
        InputBlock(
            block_id=Field.START,
            label="Working day starts",
            hint=zone,
            element=TimePickerElement(action_id=VALUE, initial_time=f"{current.hours.start:%H:%M}"),
        ),
        InputBlock(
            block_id=Field.END,
            label="Working day ends",
            hint=zone,
            element=TimePickerElement(action_id=VALUE, initial_time=f"{current.hours.end:%H:%M}"),
        ),
        InputBlock(
            block_id=Field.LEAD,
            label="Ask me for topics",
            hint="How long before each 1:1 you get its agenda and are asked for your topics.",
            element=StaticSelectElement(
                action_id=VALUE,
                options=leads,
                initial_option=next(option for option in leads if option.value == chosen_lead),
            ),
        ),
        InputBlock(
            block_id=Field.QUESTION,
            label="Question suggestion",
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[question],
                initial_options=[question] if current.question_suggestions else None,
            ),
        ),
        _pulse_block(current),
        InputBlock(
            block_id=Field.HOLIDAYS,
            label="Public holidays",
            optional=True,
            hint="A country code, with a region where holidays differ: DE, DE-BY, US, FR. No 1:1s on them.",
            element=PlainTextInputElement(
                action_id=VALUE, initial_value=form.holiday_place or None, max_length=12, placeholder="DE-BY"
            ),
        ),
        InputBlock(
            block_id=Field.AWAY_FROM,
            label="Away from",
            optional=True,
            hint="Time away: no prompts or nudges, and your 1:1s then are recorded as away. "
            "`/1on1 back` clears it.",
            element=DatePickerElement(action_id=VALUE, initial_date=_day(form.away, 0)),
        ),
        InputBlock(
            block_id=Field.AWAY_TO,
            label="Away until",
            optional=True,
            hint="The last day you are away (leave empty for one day).",
            element=DatePickerElement(action_id=VALUE, initial_date=_day(form.away, 1)),
        ),
        InputBlock(
            block_id=Field.BUSY_URL,
            label="Busy calendar address",
            optional=True,
            hint="Your own calendar's secret iCal address: new times I suggest avoid your busy times. "
            "Only times are read, never titles.",
            element=PlainTextInputElement(
                action_id=VALUE, initial_value=form.busy_url or None, max_length=2000
            ),
        ),
        context(
            "When a 1:1 is missed, the new times I suggest fall inside your working days and hours "
            "and the other person's. Changes apply from your next prompt."
        ),
    ]
    return View(
        type="modal",
        callback_id=SETTINGS_MODAL,
        title=TITLE,
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def settings_saved(form: SettingsForm) -> dict[str, Any]:
    """The modal once saved (`response_action: update`): what now applies, where the person is looking."""
    current = form.settings
    zone = form.timezone or "your Slack time zone"
    lines = [
        f"Working days: {days_words(current.hours.days)}",
        f"Working hours: {current.hours.start:%H:%M} to {current.hours.end:%H:%M} ({zone})",
        f"Asked for topics: {_lead_choice(current, form)}",
        f"Question suggestion: {'on' if current.question_suggestions else 'off'}",
        f"Pulse check-in: {_pulse_words(current)}",
        f"Public holidays: {form.holiday_place or 'none'}",
        f"Time away: {_stretch_words(form.away)}",
        f"Busy calendar: {'set' if form.busy_url else 'none'}",
    ]
    return View(
        type="modal",
        callback_id=SETTINGS_MODAL,
        title=TITLE,
        close="Done",
        blocks=[
            section(bullets(":white_check_mark: *Saved.* From your next prompt on:", lines)),
            context("Change them any time from the Home tab or with `/1on1 settings`."),
        ],
    ).to_dict()


def _pulse_block(current: PersonalSettings) -> InputBlock:
    options = [
        Option(value=PULSE_AS_REPORT, text="Offer me the pulse check-in in 1:1s with my manager"),
        Option(value=PULSE_AS_MANAGER, text="…in 1:1s I lead"),
    ]
    chosen = [current.pulse_as_report, current.pulse_as_manager]
    return InputBlock(
        block_id=Field.PULSE,
        label="Pulse check-in",
        optional=True,
        hint="A one-tap check-in before each 1:1 on how happy, challenged, stressed and engaged you feel. "
        "Only you and the other person of that 1:1 see it, as a trend.",
        element=CheckboxesElement(
            action_id=VALUE,
            options=options,
            initial_options=[option for option, on in zip(options, chosen, strict=True) if on] or None,
        ),
    )


def _pulse_words(current: PersonalSettings) -> str:
    places = [
        *(["in 1:1s with your manager"] if current.pulse_as_report else []),
        *(["in 1:1s you lead"] if current.pulse_as_manager else []),
    ]
    return " and ".join(places) if places else "off"


def _day(stretch: Any, end: int) -> str | None:
    return None if stretch is None else stretch[end].isoformat()


def _stretch_words(stretch: Any) -> str:
    if stretch is None:
        return "none ahead"
    first, last = stretch
    return f"{first:%a %d %b}" if first == last else f"{first:%a %d %b} to {last:%a %d %b}"


def days_words(days: frozenset[int]) -> str:
    """ "Monday to Friday" for a run of days, else "Monday, Wednesday and Friday"."""
    ordered = sorted(days)
    names = [WEEKDAY_NAMES[day] for day in ordered]
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[0]} to {names[-1]}"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def lead_words(minutes: int) -> str:
    """A lead time as people say it: "2 hours", "1 day", "3 days", "1 week"."""
    for unit, name in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % unit == 0:
            count = minutes // unit
            return f"{count} {name}{'' if count == 1 else 's'}"
    raise AssertionError("every whole number of minutes has a unit")


def _lead_options(form: SettingsForm) -> list[Option]:
    own = form.settings.lead_minutes
    # A stored lead no longer among the choices stays choosable, so opening the form changes nothing.
    minutes = sorted({*LEAD_CHOICES, *([own] if own is not None else [])})
    return [
        Option(value=OWN_LEAD, text=f"Each 1:1's own setting ({_series_leads(form)})"),
        *(Option(value=str(m), text=f"{lead_words(m)} before") for m in minutes),
    ]


def _series_leads(form: SettingsForm) -> str:
    if len(form.series_leads) > 2:
        return "set per 1:1"
    return " or ".join(lead_words(m) for m in form.series_leads) + " before"


def _lead_choice(current: PersonalSettings, form: SettingsForm) -> str:
    if current.lead_minutes is None:
        return f"as each 1:1 asks ({_series_leads(form)})"
    return f"{lead_words(current.lead_minutes)} before each 1:1"
