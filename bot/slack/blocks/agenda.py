"""The agenda, as shown in the pre-meeting prompt and by `/1on1 agenda`."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, DividerBlock

from bot.services.agenda import ActionLine, AgendaView, TopicLine
from bot.slack import ids
from bot.slack.blocks import last_time, pulse, questions, templates
from bot.slack.blocks.common import Message, bullets, section, to_dicts
from bot.slack.dates import slack_date, slack_day
from bot.slack.text import escape, mention


def agenda_blocks(view: AgendaView, *, with_button: bool = True) -> list[Block]:
    blocks: list[Block] = [*last_time.last_time_blocks(view), section(_topics(view))]
    if view.carried_over:
        blocks.append(
            section(bullets("*Carried over from last time*", [_topic(t) for t in view.carried_over]))
        )
    blocks.extend(templates.share_blocks(view))
    if view.actions:
        blocks.append(section(bullets("*Open action items*", [action_line(a) for a in view.actions])))
    blocks.extend(pulse.trend_blocks(view))
    blocks.extend(last_time.nudge_blocks(view))
    blocks.extend(questions.question_blocks(view))
    if with_button and view.meeting_id is not None:
        blocks.append(ActionsBlock(elements=[ids.ADD_TOPIC.element("Add a topic", view.meeting_id)]))
    return blocks


def while_away_blocks(view: AgendaView) -> list[Block]:
    """What happened while someone was away: the 1:1s that didn't happen; items due are in the agenda."""
    if not view.while_away:
        return []
    said = {"away": "recorded as away", "skipped": "skipped"}
    lines = [
        f"{slack_date(at, view.timezone)}: {said.get(status.value, status.value)}"
        for at, status in view.while_away
    ]
    due = sum(1 for a in view.actions if a.overdue)
    tail = (
        f"\n_{due} open action item{'s' if due != 1 else ''} came due meanwhile: see below._" if due else ""
    )
    return [section(bullets(":palm_tree: *During the time away*, these 1:1s didn't happen", lines) + tail)]


def prompt_blocks(view: AgendaView) -> list[Block]:
    assert view.starts_at is not None
    when = slack_date(view.starts_at, view.timezone)
    own = view.report_user_id == view.viewer_user_id
    ask = (
        "It's your meeting: what would you like to talk about?"
        if own
        else "What would you like to talk about?"
    )
    return [
        section(
            f":calendar: *Your 1:1 with {mention(view.other_user_id)}* is {when}.\n{ask} "
            "Reply in this thread (each message becomes a topic) or use *Add a topic*."
        ),
        *while_away_blocks(view),
        DividerBlock(),
        *agenda_blocks(view),  # it opens with last time
        *pulse.check_in_blocks(view),
    ]


def prompt_message(view: AgendaView) -> Message:
    assert view.starts_at is not None  # a prompt is only loaded for a scheduled meeting
    when = slack_date(view.starts_at, view.timezone)
    return {
        "text": f"Your 1:1 with {mention(view.other_user_id)} is {when}: add your topics.",
        "blocks": to_dicts(prompt_blocks(view)),
    }


def agenda_reply_blocks(view: AgendaView) -> list[Block]:
    if view.starts_at is None:
        head = f"*Agenda with {mention(view.other_user_id)}* (no 1:1 scheduled yet)"
    else:
        when = slack_date(view.starts_at, view.timezone)
        head = f"*Your next 1:1 with {mention(view.other_user_id)}* is {when}."
    blocks = [section(head), *agenda_blocks(view)]
    if view.my_notes:
        notes = bullets(
            ":lock: *Your private notes* (only you can see these)", [escape(n) for n in view.my_notes]
        )
        blocks.append(section(notes))
    return blocks


def _topics(view: AgendaView) -> str:
    if not view.topics:
        who = mention(view.report_user_id) if view.report_user_id else "either of you"
        return f"*Agenda so far*\n_Nothing yet. Topics from {who} go first._"
    return bullets("*Agenda so far*", [_topic(t) for t in view.topics])


def _topic(topic: TopicLine) -> str:
    return templates.topic_text(topic)


def action_line(action: ActionLine) -> str:
    line = f"{escape(action.text)} — {mention(action.owner_user_id)}"
    if action.due is not None:
        line += f", due {slack_day(action.due)}"
    if action.overdue:
        line += " :warning: *overdue*"
    return line
