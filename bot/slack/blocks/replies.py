"""Ephemeral replies to `/1on1`: Block Kit built in one place, user text escaped on the way in."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.services.actions import ActionChange
from bot.services.agenda import AgendaView, NoteAdded, PairLine
from bot.services.series import MeetingChange, Scheduled, SeriesSummary
from bot.slack import ids
from bot.slack.blocks.agenda import action_line, agenda_reply_blocks
from bot.slack.blocks.common import ask, bullets, section, to_dicts
from bot.slack.dates import slack_date, slack_day, weekly_slot
from bot.slack.ids import COMMAND
from bot.slack.text import escape, mention

Reply = dict[str, Any]


def reply(text: str, *blocks: Any) -> Reply:
    """An ephemeral reply; `text` is the notification and screen-reader fallback."""
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": to_dicts(blocks) if blocks else None,
    }


def help_reply(forms: list[tuple[str, str]]) -> Reply:
    """Usage and a line of why for each subcommand (from the registry, bot/slack/subcommands)."""
    # Usage forms are escaped: Slack would read "<text>" as a link.
    lines = "\n".join(f"• `{escape(usage)}`\n      {why}" for usage, why in forms)
    return reply(
        "How to use /1on1",
        SectionBlock(text=MarkdownTextObject(text="*Your 1:1s, from anywhere in Slack*\n" + lines)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="You can also send me a direct message: "
                    "each message becomes a topic for your next 1:1."
                )
            ]
        ),
    )


def problem_reply(problem: str, usage: str | None = None) -> Reply:
    """A rejected command: what was wrong, and the form that works. `problem` is already safe mrkdwn."""
    text = f":warning: {problem}"
    if usage:
        text += f"\nUsage: `{escape(usage)}`"
    else:
        text += f"\nType `{COMMAND} help` to see what I can do."
    return reply(problem, SectionBlock(text=MarkdownTextObject(text=text)))


def working_reply() -> Reply:
    """The ack of a command that first needs Slack to say someone's time zone."""
    return reply(":hourglass_flowing_sand: One moment: asking Slack for a time zone…")


def is_working(answer: Reply) -> bool:
    """Whether `answer` is the "one moment" ack of a command that finishes through its response_url."""
    return answer.get("text") == working_reply()["text"]


def replacing(answer: Reply) -> Reply:
    """`answer` posted to a response_url in place of the "one moment" ack (no null fields)."""
    return {**{key: value for key, value in answer.items() if value is not None}, "replace_original": True}


def failure_reply() -> Reply:
    return reply(
        ":x: Something went wrong on my side and nothing was saved. Please try again in a minute.",
    )


def topic_added_reply(topic_text: str, other_user_id: str, when: str | None) -> Reply:
    """`when` is the next meeting's start already formatted for the reader, or None if none is scheduled."""
    quoted = "\n".join(f">{line}" for line in escape(topic_text).splitlines())
    if when:
        head = f":memo: Added to the agenda of your 1:1 with {mention(other_user_id)} {when}:"
        fallback = "Topic added to your next 1:1's agenda."
    else:
        head = (
            f":memo: Added to your shared agenda with {mention(other_user_id)}. No 1:1 is scheduled yet, "
            f"so it will be on the first one (`{COMMAND} schedule …`)."
        )
        fallback = "Topic added to your shared agenda."
    return reply(fallback, SectionBlock(text=MarkdownTextObject(text=f"{head}\n{quoted}")))


def scheduled_reply(done: Scheduled, weekday: int, at: time) -> Reply:
    who = mention(done.other_user_id)
    role = "You lead it." if done.caller_is_manager else f"{who} leads it; it's your meeting."
    return reply(
        f"Scheduled a {done.cadence} 1:1 with {who}.",
        section(
            f":calendar: Scheduled a *{done.cadence}* 1:1 with {who}: "
            f"{weekly_slot(weekday, at, done.timezone)}, {done.duration_minutes} minutes. {role}\n"
            f"First one: {slack_date(done.first_starts_at, done.timezone)}. "
            f"I've let {who} know, and I'll ask you both for topics {_hours(done.lead)} before each meeting."
        ),
    )


def agenda_reply(view: AgendaView) -> Reply:
    return reply(f"Your agenda with {mention(view.other_user_id)}", *agenda_reply_blocks(view))


PAUSED = "_paused while a Slack account is deactivated: nothing is sent until it is back_"


def list_reply(lines: list[PairLine], timezone: str) -> Reply:
    if not lines:
        return reply(
            "You have no 1:1s yet. Start one with "
            f"`{COMMAND} schedule @person weekly &lt;day&gt; &lt;HH:MM&gt;`."
        )
    rows = []
    for line in lines:
        text = mention(line.other_user_id)
        if line.cadence is not None and line.weekday is not None and line.local_time and line.series_timezone:
            text += f" — {line.cadence}, {weekly_slot(line.weekday, line.local_time, line.series_timezone)}"
        else:
            text += " — no recurring 1:1"
        if line.paused:
            text += f" · {PAUSED}"
        if line.next_starts_at is not None:
            text += f"\n      next: {slack_date(line.next_starts_at, timezone)}"
        if line.held or line.skipped or line.missed:
            text += "\n      " + _health(line)
        rows.append(text)
    return reply("Your 1:1s", section(bullets("*Your 1:1s*", rows)))


def note_reply(added: NoteAdded) -> Reply:
    return reply(
        f":lock: Saved your private note for your 1:1 with {mention(added.other_user_id)}. "
        "Only you can ever see it."
    )


def skipped_reply(change: MeetingChange, timezone: str) -> Reply:
    text = (
        f":fast_forward: Skipped your 1:1 with {mention(change.other_user_id)} on "
        f"{slack_date(change.starts_at, timezone)}. I've told them."
    )
    if change.next_starts_at is not None:
        text += f" The next one is {slack_date(change.next_starts_at, timezone)}."
    return reply(text)


def moved_reply(change: MeetingChange, timezone: str) -> Reply:
    return reply(
        f":arrows_counterclockwise: Moved your next 1:1 with {mention(change.other_user_id)} to "
        f"{slack_date(change.starts_at, timezone)}. I've told them; later meetings stay as they were."
    )


def cancel_confirmation(summary: SeriesSummary) -> Reply:
    question = (
        f"End your {summary.cadence} 1:1 with {mention(summary.other_user_id)} "
        f"({weekly_slot(summary.weekday, summary.local_time, summary.timezone)})? "
        "Past agendas, notes and action items are kept."
    )
    return reply(
        question,
        *ask(
            question,
            ids.CANCEL_CONFIRM.element("End it", summary.series_id, style="danger"),
            ids.CANCEL_KEEP.element("Keep it", summary.series_id),
        ),
    )


def actions_reply(view: AgendaView) -> Reply:
    who = mention(view.other_user_id)
    if not view.actions:
        return reply(f"No open action items in your 1:1 with {who}.")
    rows = [
        section(
            f"*#{a.id}* {action_line(a)}",
            accessory=ids.ACTION_DONE.element("Done", a.id),
        )
        for a in view.actions
    ]
    return reply(f"Open action items with {who}", section(f"*Open action items with {who}*"), *rows)


def action_added_reply(change: ActionChange, due: date | None) -> Reply:
    owner = "you" if change.owner_user_id != change.other_user_id else mention(change.owner_user_id)
    text = f":white_check_mark: Action item *#{change.action_id}* for {owner}: {escape(change.text)}"
    if due is not None:
        text += f" (due {slack_day(due)})"
    return reply(text + f". It shows in your 1:1 with {mention(change.other_user_id)} until it's done.")


def action_done_reply(change: ActionChange) -> Reply:
    return reply(f":white_check_mark: Done: ~{escape(change.text)}~")


def _hours(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    return "an hour" if hours == 1 else f"{hours} hours"


def _health(line: PairLine) -> str:
    """How the last meetings went, flagged when more were dropped than held: a series quietly dying."""
    total = line.held + line.skipped + line.missed
    flag = " :warning:" if line.skipped + line.missed > line.held else ""
    return f"last {total}: {line.held} held, {line.skipped} skipped, {line.missed} missed{flag}"
