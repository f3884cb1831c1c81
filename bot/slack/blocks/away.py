"""Time away in Slack: the notice to the other person, its buttons' answers, and the commands' replies."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.services.away import AwaySet, NewTimes
from bot.services.messages.away import AwayNotice
from bot.slack import ids
from bot.slack.blocks.common import Message, ask, section, to_dicts
from bot.slack.dates import slack_date, slack_day
from bot.slack.ids import SLOT_CHOOSE, SLOT_SKIP
from bot.slack.text import mention


def stretch(first: Any, last: Any) -> str:
    return slack_day(first) if first == last else f"{slack_day(first)} to {slack_day(last)}"


def away_notice_message(notice: AwayNotice) -> Message:
    who = mention(notice.away_user_id)
    when = slack_date(notice.starts_at, notice.timezone)
    if notice.paused:
        head = (
            f":palm_tree: {who} is away {stretch(notice.first, notice.last)}, so your 1:1s are paused until "
            f"then, starting with the one {when}; they resume by themselves. "
            "They are recorded as away, never as missed."
        )
    else:
        head = (
            f":palm_tree: {who} is away {stretch(notice.first, notice.last)}: your 1:1 {when} won't "
            "happen. It is recorded as away, never as missed. Pick another time, or skip it."
        )
    return {
        "text": f"{who} is away: your 1:1 {when} won't happen",
        "blocks": to_dicts(
            ask(
                head,
                ids.AWAY_RESCHEDULE.element("Reschedule", notice.meeting_id, style="primary"),
                ids.AWAY_SKIP.element("Skip", notice.meeting_id),
            )
        ),
    }


def new_times_answer(times: NewTimes) -> dict[str, Any]:
    """*Reschedule*: the notice becomes free times both can make (the nudge's own buttons book them)."""
    blocks: list[Block] = [section(f"Times that suit you and {mention(times.other_user_id)}:")]
    for slot in times.slots:
        at = int(slot.starts_at.timestamp())
        blocks.append(
            section(
                slack_date(slot.starts_at, times.timezone),
                accessory=SLOT_CHOOSE.element("Book this", (times.meeting_id, at)),
            )
        )
    if not times.slots:
        blocks.append(section("_I couldn't find a free time in the next days; use `/1on1 reschedule`._"))
    blocks.append(ActionsBlock(elements=[SLOT_SKIP.element("Skip this one", times.meeting_id)]))
    return {"replace_original": True, "text": "Pick a new time", "blocks": to_dicts(blocks)}


def skipped_answer(other_user_id: str) -> dict[str, Any]:
    return {"replace_original": True, "text": f"Skipped your 1:1 with {mention(other_user_id)}."}


def away_reply(done: AwaySet) -> str:
    text = f":palm_tree: You're away {stretch(done.first, done.last)}. No prompts or nudges then"
    if not done.meetings:
        return text + "; none of your 1:1s fall in it."
    lines = [f"• {mention(m.other_user_id)}, {slack_date(m.starts_at, done.timezone)}" for m in done.meetings]
    return (
        text
        + ". These 1:1s fall in it and will be recorded as away (the other person is told ahead):\n"
        + "\n".join(lines)
    )


def back_reply(cleared: int) -> str:
    if not cleared:
        return "Welcome back! You had no time away set from today on."
    return "Welcome back! Your time away from today on is cleared; your 1:1s ahead happen as planned."
