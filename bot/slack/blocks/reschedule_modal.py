"""Moving the next 1:1 from the Home tab: a date and a time, in the reader's own zone."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import DatePickerElement, InputBlock, TimePickerElement
from slack_sdk.models.views import View

from bot.domain.cadence import to_local
from bot.services.home import RescheduleForm
from bot.slack.blocks.common import section
from bot.slack.dates import slack_date
from bot.slack.ids import RESCHEDULE_MODAL
from bot.slack.text import mention

# The form's inputs (block ids; each input's action id is "value").
DAY = "reschedule_day"
TIME = "reschedule_time"


def reschedule_modal(form: RescheduleForm) -> dict[str, Any]:
    local = to_local(form.starts_at, form.timezone)
    return View(
        type="modal",
        callback_id=RESCHEDULE_MODAL,
        private_metadata=str(form.pair_id),
        title="Reschedule the 1:1",
        submit="Move it",
        close="Cancel",
        blocks=[
            section(
                f"Your next 1:1 with {mention(form.other_user_id)} is on "
                f"{slack_date(form.starts_at, form.timezone)}. When should it be instead? "
                "Only this one moves; I'll tell them."
            ),
            InputBlock(
                block_id=DAY,
                label="New date",
                element=DatePickerElement(action_id="value", initial_date=local.date().isoformat()),
            ),
            InputBlock(
                block_id=TIME,
                label=f"New time ({form.timezone})",
                element=TimePickerElement(
                    action_id="value", initial_time=f"{local:%H:%M}", timezone=form.timezone
                ),
            ),
        ],
    ).to_dict()
