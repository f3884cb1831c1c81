"""The meeting's summary as posted to the pair (the messages around it are in `after_meeting`)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock

from bot.domain.templates import step_of, template_of
from bot.services.messages.summary import SummaryAction, SummaryView, TopicOutcomes
from bot.slack import ids
from bot.slack.blocks.common import Message, bullets, context, section, to_dicts
from bot.slack.dates import slack_date, slack_day
from bot.slack.text import escape, escape_clipped, mention

CLIP_AT = 2900  # under the section's 3,000 characters, with room for the "…"
TOPIC_HEAD_CHARS = 600  # a templated topic's text above its outcomes
LINE_OVERHEAD = 60  # an outcome's step label and author around its text
MAX_OUTCOME_LINES = 30  # per topic: past them (many summaries of one meeting), "…and N more"


def summary_message(view: SummaryView) -> Message:
    a, b = (mention(user_id) for user_id in view.member_user_ids)
    when = slack_date(view.starts_at, view.timezone)
    blocks: list[Block] = [section(f":memo: *1:1 summary: {a} and {b}, {when}*")]
    for part in view.parts:
        head = f"*{mention(part.author_user_id)}:*\n"
        blocks.append(section(head + escape_clipped(part.key_points, CLIP_AT - len(head))))
    if view.covered:
        blocks.append(section(bullets("*Covered*", [escape(text) for text in view.covered])))
    blocks.extend(section(_outcomes_text(outcomes)) for outcomes in view.outcomes)
    if view.actions:
        blocks.append(DividerBlock())
        blocks.append(section("*Action items*"))
        blocks.extend(_action_block(action) for action in view.actions)
    blocks.append(
        context("Only the two of you can see this. Open items come back in your next prompt until done.")
    )
    return {"text": f"1:1 summary: {a} and {b}", "blocks": to_dicts(blocks)}


def _action_block(action: SummaryAction) -> Block:
    # Room for the owner, the due date and the check mark around the text.
    line = f"{escape_clipped(action.text, CLIP_AT - 200)} — {mention(action.owner_user_id)}"
    if action.due is not None:
        line += f", due {slack_day(action.due)}"
    if action.done:
        return section(f":white_check_mark: ~{line}~")
    return section(
        f":white_square: {line}",
        accessory=ids.ACTION_DONE.element("Done", action.id),
    )


def _outcomes_text(outcomes: TopicOutcomes) -> str:
    """A templated topic and what was written per step; who wrote which, when both did. Each text is cut
    so that all of them fit in one section."""
    template = template_of(outcomes.kind)
    title = template.title if template else "Topic"
    head = f"*{title}:* {escape_clipped(outcomes.text, TOPIC_HEAD_CHARS)}"
    written = [(step, author, text) for step in outcomes.steps for author, text in step.written]
    lines = written[:MAX_OUTCOME_LINES]
    by_both = len({author for _, author, _ in lines}) > 1
    room = max(1, (CLIP_AT - len(head)) // len(lines) - LINE_OVERHEAD)
    for step, author, text in lines:
        known = step_of(outcomes.kind, step.step)
        label = known.label if known else step.step
        head += f"\n*{escape(label)}:* {escape_clipped(text, room)}"
        head += f" — {mention(author)}" if by_both else ""
    return head + (f"\n…and {len(written) - len(lines)} more" if len(written) > len(lines) else "")
