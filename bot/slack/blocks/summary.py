"""The meeting's summary as posted to the pair, and the after-meeting messages around it."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock

from bot.services.notices import Notice, SummaryAction, SummaryView
from bot.slack.blocks.common import bullets, context, section, to_dicts
from bot.slack.dates import slack_date, slack_day
from bot.slack.text import escape, escape_clipped, mention

SUMMARY_OPEN_ACTION = "summary_open"
NOT_HELD_ACTION = "meeting_not_held"
ACTION_DONE_ACTION = "action_done"
SLOT_CHOOSE_ACTION = "slot_choose"
SLOT_SKIP_ACTION = "slot_skip"

Message = dict[str, Any]
CLIP_AT = 2900  # under the section's 3,000 characters, with room for the "…"


def summary_message(view: SummaryView) -> Message:
    a, b = (mention(user_id) for user_id in view.member_user_ids)
    when = slack_date(view.starts_at, view.timezone)
    blocks: list[Block] = [section(f":memo: *1:1 summary: {a} and {b}, {when}*")]
    for part in view.parts:
        head = f"*{mention(part.author_user_id)}:*\n"
        blocks.append(section(head + escape_clipped(part.key_points, CLIP_AT - len(head))))
    if view.covered:
        blocks.append(section(bullets("*Covered*", [escape(text) for text in view.covered])))
    if view.actions:
        blocks.append(DividerBlock())
        blocks.append(section("*Action items*"))
        blocks.extend(_action_block(action) for action in view.actions)
    blocks.append(
        context("Only the two of you can see this. Open items come back in your next prompt until done.")
    )
    return {"text": f"1:1 summary: {a} and {b}", "blocks": to_dicts(blocks)}


def follow_up_message(notice: Notice) -> Message:
    who = mention(notice.other_user_id or "")
    question = f"How did your 1:1 with {who} go?"
    return {
        "text": question,
        "blocks": to_dicts(
            [
                section(
                    f":wave: {question} Write down the key points and action items while they are fresh; "
                    "if you both do, the two add up."
                ),
                ActionsBlock(
                    elements=[
                        ButtonElement(
                            text="Write the summary",
                            action_id=SUMMARY_OPEN_ACTION,
                            value=str(notice.meeting_id),
                            style="primary",
                        ),
                        ButtonElement(
                            text="It didn't happen", action_id=NOT_HELD_ACTION, value=str(notice.meeting_id)
                        ),
                    ]
                ),
            ]
        ),
    }


def nudge_message(notice: Notice) -> Message:
    who = mention(notice.other_user_id or "")
    when = slack_date(notice.starts_at, notice.timezone) if notice.starts_at else "its time"
    lead = "Last call: " if notice.nudge_number >= 2 else ""
    head = f":calendar: {lead}your 1:1 with {who} on {when} didn't happen. Pick a new time for it:"
    blocks: list[Block] = [section(head)]
    for slot in notice.slots:
        blocks.append(
            section(
                _slot_text(notice, slot),
                accessory=ButtonElement(
                    text="Book this",
                    action_id=SLOT_CHOOSE_ACTION,
                    value=f"{notice.meeting_id}:{int(slot.starts_at.timestamp())}",
                ),
            )
        )
    if not notice.slots:
        blocks.append(section("_I couldn't find a free time in the next days; use `/1on1 reschedule`._"))
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(text="Skip this one", action_id=SLOT_SKIP_ACTION, value=str(notice.meeting_id))
            ]
        )
    )
    return {"text": f"Your 1:1 with {who} didn't happen: pick a new time", "blocks": to_dicts(blocks)}


def rebooked_message(notice: Notice) -> Message:
    text = (
        f":white_check_mark: {mention(notice.by_user_id or '')} booked your missed 1:1 with "
        f"{mention(notice.other_user_id or '')} for {slack_date(notice.starts_at, notice.timezone)}."
        if notice.starts_at
        else "Your missed 1:1 was rebooked."
    )
    return {"text": text, "blocks": to_dicts([section(text)])}


def added_message(notice: Notice) -> Message:
    text = f":heavy_plus_sign: {mention(notice.by_user_id or '')} added to the summary."
    return {"text": text, "blocks": to_dicts([section(text)])}


def _slot_text(notice: Notice, slot: Any) -> str:
    text = slack_date(slot.starts_at, notice.timezone)
    notes = [f"{mention(v.key)}: {v.local:%H:%M}, {v.label}" for v in slot.views if v.outside_hours]
    return text + (f"\n_outside working hours for {'; '.join(notes)}_" if notes else "")


def _action_block(action: SummaryAction) -> Block:
    # Room for the owner, the due date and the check mark around the text.
    line = f"{escape_clipped(action.text, CLIP_AT - 200)} — {mention(action.owner_user_id)}"
    if action.due is not None:
        line += f", due {slack_day(action.due)}"
    if action.done:
        return section(f":white_check_mark: ~{line}~")
    return section(
        f":white_square: {line}",
        accessory=ButtonElement(text="Done", action_id=ACTION_DONE_ACTION, value=str(action.id)),
    )
