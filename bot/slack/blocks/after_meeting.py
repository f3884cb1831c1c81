"""After a meeting: "How did it go?", the nudge with new times, the rebooking, a second summary added."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block

from bot.domain.slots import Slot
from bot.services.messages.after_meeting import FollowUp, Nudge, Rebooked, SummaryAdded
from bot.slack import ids
from bot.slack.blocks.common import Message, ask, section, text_message, to_dicts
from bot.slack.dates import slack_date
from bot.slack.text import mention


def follow_up_message(follow_up: FollowUp) -> Message:
    who = mention(follow_up.other_user_id)
    late = follow_up.late_start  # asked days after (the clock was down): say which meeting
    on = f" {slack_date(late, follow_up.timezone)}" if late else ""
    return {
        "text": f"How did your 1:1 with {who} go?",  # the notification, as the nudge's: no date token
        "blocks": to_dicts(
            ask(
                f":wave: How did your 1:1 with {who}{on} go? Write down the key points and action items "
                "while they are fresh; if you both do, the two add up.",
                ids.SUMMARY_OPEN.element("Write the summary", follow_up.meeting_id, style="primary"),
                ids.NOT_HELD.element("It didn't happen", follow_up.meeting_id),
            )
        ),
    }


def nudge_message(nudge: Nudge) -> Message:
    who = mention(nudge.other_user_id)
    when = slack_date(nudge.starts_at, nudge.timezone)
    lead = "Last call: " if nudge.nudge_number >= 2 else ""
    head = f":calendar: {lead}your 1:1 with {who} {when} didn't happen. Pick a new time for it:"
    blocks: list[Block] = [section(head)]
    for slot in nudge.slots:
        blocks.append(
            section(
                _slot_text(nudge, slot),
                accessory=ids.SLOT_CHOOSE.element(
                    "Book this", (nudge.meeting_id, int(slot.starts_at.timestamp()))
                ),
            )
        )
    if not nudge.slots:
        blocks.append(section("_I couldn't find a free time in the next days; use `/1on1 reschedule`._"))
    # A silent meeting may have happened after all: "It did happen" opens the summary form, as "Write the
    # summary" does; once written, the meeting counts as held and the slots above are withdrawn.
    it_did = ids.SUMMARY_OPEN.element("It did happen", nudge.meeting_id)
    blocks.append(ActionsBlock(elements=[ids.SLOT_SKIP.element("Skip this one", nudge.meeting_id), it_did]))
    return {"text": f"Your 1:1 with {who} didn't happen: pick a new time", "blocks": to_dicts(blocks)}


def rebooked_message(rebooked: Rebooked) -> Message:
    return text_message(
        f":white_check_mark: {mention(rebooked.by_user_id)} booked your missed 1:1 with "
        f"{mention(rebooked.other_user_id)} for {slack_date(rebooked.starts_at, rebooked.timezone)}."
    )


def summary_added_message(added: SummaryAdded) -> Message:
    return text_message(f":heavy_plus_sign: {mention(added.author_user_id)} added to the summary.")


def _slot_text(nudge: Nudge, slot: Slot) -> str:
    text = slack_date(slot.starts_at, nudge.timezone)
    notes = [f"{mention(v.key)}: {v.local:%H:%M}, {v.label}" for v in slot.views if v.outside_hours]
    return text + (f"\n_outside working hours for {'; '.join(notes)}_" if notes else "")
