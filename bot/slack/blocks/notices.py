"""Direct messages the bot sends on its own: announcements, changes, thread replies to DM'd topics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import ButtonElement

from bot.domain.outbox import MessageKind
from bot.services.notices import Notice
from bot.slack.blocks.common import section, to_dicts
from bot.slack.blocks.summary import added_message, follow_up_message, nudge_message, rebooked_message
from bot.slack.commands import COMMAND
from bot.slack.dates import slack_date, weekly_slot
from bot.slack.text import mention

CHOOSE_PAIR_ACTION = "pending_topic_choose"
MAX_CHOICES = 20

Message = dict[str, Any]


def render_notice(notice: Notice) -> Message:
    return _RENDERERS[notice.kind](notice)


def _text_only(text: str) -> Message:
    return {"text": text, "blocks": to_dicts([section(text)])}


def _when(notice: Notice, attribute: str = "starts_at") -> str:
    instant = getattr(notice, attribute)
    return slack_date(instant, notice.timezone) if instant else "a date still to come"


def _announced(notice: Notice) -> Message:
    assert notice.weekday is not None and notice.local_time and notice.series_timezone
    slot = weekly_slot(notice.weekday, notice.local_time, notice.series_timezone)
    return _text_only(
        f":wave: {mention(notice.by_user_id or '')} set up a *{notice.cadence}* 1:1 with you: {slot}. "
        f"The first one is on {_when(notice)} (shown in your time zone).\n"
        "Before each meeting I'll ask you both for topics. Add one any time with "
        f"`{COMMAND} add-topic`, or just send me a message here."
    )


def _cancelled(notice: Notice) -> Message:
    return _text_only(
        f":wave: {mention(notice.by_user_id or '')} ended your {notice.cadence} 1:1 together. "
        "Past agendas and action items are kept."
    )


def _skipped(notice: Notice) -> Message:
    text = f":fast_forward: {mention(notice.by_user_id or '')} skipped your 1:1 on {_when(notice)}."
    if notice.next_starts_at:
        text += f" The next one is on {_when(notice, 'next_starts_at')}; open topics carry over to it."
    return _text_only(text)


def _moved(notice: Notice) -> Message:
    return _text_only(
        f":arrows_counterclockwise: {mention(notice.by_user_id or '')} moved your next 1:1 "
        f"to {_when(notice)}. "
        "Later meetings stay as they were."
    )


def _confirmed(notice: Notice) -> Message:
    where = f"your 1:1 with {mention(notice.other_user_id or '')}"
    if notice.starts_at:
        return _text_only(f":white_check_mark: Added to {where} on {_when(notice)}.")
    return _text_only(
        f":white_check_mark: Added to the shared agenda of {where}; no meeting is scheduled yet."
    )


def _which(notice: Notice) -> Message:
    blocks = [section("Which 1:1 is this topic for?")]
    for choice in notice.choices[:MAX_CHOICES]:
        when = (
            f", next on {slack_date(choice.next_starts_at, notice.timezone)}" if choice.next_starts_at else ""
        )
        blocks.append(
            section(
                f"{mention(choice.other_user_id)}{when}",
                accessory=ButtonElement(
                    text="Add it here",
                    action_id=CHOOSE_PAIR_ACTION,
                    value=f"{notice.pending_id}:{choice.pair_id}",
                ),
            )
        )
    return {"text": "Which 1:1 is this topic for?", "blocks": to_dicts(blocks)}


def _problem(notice: Notice) -> Message:
    return _text_only(f":warning: {notice.problem}")


_RENDERERS: dict[MessageKind, Callable[[Notice], Message]] = {
    MessageKind.SERIES_ANNOUNCED: _announced,
    MessageKind.SERIES_CANCELLED: _cancelled,
    MessageKind.MEETING_SKIPPED: _skipped,
    MessageKind.MEETING_MOVED: _moved,
    MessageKind.TOPIC_CONFIRMED: _confirmed,
    MessageKind.WHICH_MEETING: _which,
    MessageKind.NO_MEETING: _problem,
    MessageKind.FOLLOW_UP: follow_up_message,
    MessageKind.NUDGE: nudge_message,
    MessageKind.MEETING_REBOOKED: rebooked_message,
    MessageKind.SUMMARY_ADDED: added_message,
}
