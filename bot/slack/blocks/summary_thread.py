"""Thread replies under the summary: an item done, what is still open (issue 12, part 5)."""

from __future__ import annotations

from bot.services.messages.summary_thread import ActionDone, StillOpen
from bot.slack.blocks.agenda import action_line
from bot.slack.blocks.common import Message, bullets, context, section, to_dicts
from bot.slack.dates import slack_date
from bot.slack.ids import COMMAND
from bot.slack.text import escape_clipped, mention

ITEM_CLIP_AT = 2800  # an item's text within the section's 3,000 characters, with the names around it


def action_done_message(done: ActionDone) -> Message:
    who = mention(done.by_user_id) if done.by_user_id else "Someone"
    whose = "their own" if done.by_user_id == done.owner_user_id else f"{mention(done.owner_user_id)}'s"
    item = escape_clipped(done.text, ITEM_CLIP_AT)
    text = f":white_check_mark: {who} marked {whose} action item done: ~{item}~"
    return {"text": text, "blocks": to_dicts([section(text)])}


def still_open_message(still_open: StillOpen) -> Message:
    when = ""
    if still_open.next_starts_at is not None:
        when = f", before your next one {slack_date(still_open.next_starts_at, still_open.timezone)}"
    head = f":hourglass_flowing_sand: *Still open from this 1:1*{when}:"
    count = len(still_open.actions)
    lines = [f"*#{action.id}* {action_line(action)}" for action in still_open.actions]
    return {
        "text": f"{count} action item{'s' if count != 1 else ''} from this 1:1 still open",
        "blocks": to_dicts(
            [
                section(bullets(head, lines)),
                context(
                    f"Mark one done with its button in the summary above, or `{COMMAND} done &lt;number&gt;`."
                ),
            ]
        ),
    }
