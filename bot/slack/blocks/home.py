"""The Home tab's view (views.publish): one section per 1:1 and its buttons (issue 12, part 1), and the
small modal a refused Home click opens (a click in the Home tab has no response_url to answer through)."""

from __future__ import annotations

from dataclasses import replace

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
)
from slack_sdk.models.views import View

from bot.services.agenda import ActionLine
from bot.services.home import HomePair, HomeView
from bot.slack import ids
from bot.slack.blocks import pulse
from bot.slack.blocks.agenda import action_line
from bot.slack.blocks.common import Message, bullets, context, section
from bot.slack.blocks.replies import PAUSED
from bot.slack.dates import slack_date, weekly_slot
from bot.slack.text import escape_clipped, mention

VIEW_BLOCK_LIMIT = 100  # Slack refuses a view with more blocks
ACTIONS_SHOWN = 5  # per side and 1:1; the rest are counted (the agenda has them all)
ACTIONS_TEXT_LIMIT = 1400  # each side's list: both within a section's 3,000 characters
ACTION_TEXT_CHARS = 200  # of an item's text, escaped

WELCOME = (
    "*Your 1:1s, kept on track.*\n"
    "• Set up a recurring 1:1 with someone you meet: before each one, both of you are asked for topics.\n"
    "• After it, write a short summary with action items; what's still open carries over to the next one.\n"
    "• A 1:1 that didn't happen isn't forgotten: I suggest new times that suit you both."
)


def home_tab(view: HomeView) -> Message:
    blocks = _top() if view.pairs else [section(WELCOME), _buttons(_schedule_button())]
    more = view.more
    for index, pair in enumerate(view.pairs):
        pair_blocks = _pair_blocks(pair, view.timezone)
        if len(blocks) + len(pair_blocks) + 1 > VIEW_BLOCK_LIMIT:  # leave room for the "more" line
            more += len(view.pairs) - index
            break
        blocks.extend(pair_blocks)
    if more:
        noun = "1:1" if more == 1 else "1:1s"
        blocks.append(context(f"…and {more} more {noun}: see them all with `{ids.COMMAND} list`."))
    return {"view": View(type="home", blocks=blocks).to_dict()}


def _top() -> list[Block]:
    settings = ids.SETTINGS_OPEN.element("Settings", "")
    calendar = ids.CALENDAR_OPEN.element("Calendar", "")
    return [HeaderBlock(text="Your 1:1s"), _buttons(_schedule_button(), settings, calendar), DividerBlock()]


def _schedule_button() -> ButtonElement:
    return ids.SCHEDULE_OPEN.element("Schedule a 1:1", "", style="primary")


def _buttons(*elements: ButtonElement) -> ActionsBlock:
    return ActionsBlock(elements=list(elements))


def _pair_blocks(pair: HomePair, timezone: str) -> list[Block]:
    blocks: list[Block] = [section(_summary(pair, timezone))]
    if pair.my_actions or pair.their_actions:
        blocks.append(section(_actions(pair)))
    blocks.append(context(_history(pair, timezone)))
    blocks.extend(pulse.home_blocks(pair.pulse))
    blocks.append(_buttons(*_pair_buttons(pair, timezone)))
    blocks.append(DividerBlock())
    return blocks


def _summary(pair: HomePair, timezone: str) -> str:
    head = f"*1:1 with {mention(pair.other_user_id)}*"
    if pair.series is not None:
        slot = weekly_slot(pair.series.weekday, pair.series.local_time, pair.series.timezone)
        head += f" · {pair.series.cadence}, {slot}"
    else:
        head += " · no longer recurring"
    head += " · you lead" if pair.i_lead else " · they lead"
    if pair.series is not None and pair.series.paused:
        head += f"\n:double_vertical_bar: {PAUSED}"
    if pair.next_starts_at is None:
        return head + "\n:calendar: No meeting scheduled."
    other = mention(pair.other_user_id)
    return (
        f"{head}\n:calendar: Next: {slack_date(pair.next_starts_at, timezone)}\n"
        f":memo: Topics so far: {pair.my_topics} from you, {pair.their_topics} from {other}"
    )


def _actions(pair: HomePair) -> str:
    parts = []
    if pair.my_actions:
        parts.append(_action_list("*Your open action items*", pair.my_actions))
    if pair.their_actions:
        title = f"*{mention(pair.other_user_id)}'s open action items*"
        parts.append(_action_list(title, pair.their_actions))
    return "\n".join(parts)


def _action_list(title: str, actions: list[ActionLine]) -> str:
    # Each line clipped, so five of the longest fit the list's share of the section.
    lines = [_clipped(action) for action in actions[:ACTIONS_SHOWN]]
    hidden = len(actions) - ACTIONS_SHOWN
    return bullets(title, lines, limit=ACTIONS_TEXT_LIMIT) + (
        f"\n…and {hidden} more (see *Agenda*)" if hidden > 0 else ""
    )


def _clipped(action: ActionLine) -> str:
    """The agenda's line for an item (owner, due date, overdue), its text clipped for the Home tab."""
    return escape_clipped(action.text, ACTION_TEXT_CHARS) + action_line(replace(action, text=""))


def _history(pair: HomePair, timezone: str) -> str:
    held = f"Last held {slack_date(pair.last_held_at, timezone)}" if pair.last_held_at else "Not held yet"
    total = pair.held + pair.skipped + pair.missed
    if not total:
        return held
    # Of the last HEALTH_WINDOW at most; flagged when more were dropped than held (a series quietly dying).
    flag = " :warning:" if pair.skipped + pair.missed > pair.held else ""
    return f"{held} · last {total}: {pair.held} held, {pair.skipped} skipped, {pair.missed} missed{flag}"


def _pair_buttons(pair: HomePair, timezone: str) -> list[ButtonElement]:
    buttons = []
    if pair.next_meeting_id is not None:
        buttons.append(ids.HOME_ADD_TOPIC.element("Add a topic", pair.pair_id))
    buttons.append(ids.AGENDA_OPEN.element("Agenda", pair.pair_id))
    if pair.to_summarise is not None:
        buttons.append(ids.SUMMARY_OPEN.element("Write the summary", pair.to_summarise, style="primary"))
    if pair.next_starts_at is not None:
        buttons.append(_skip_button(pair, timezone))
        buttons.append(ids.HOME_RESCHEDULE_NEXT.element("Reschedule next", pair.pair_id))
    if pair.series is not None:
        buttons.append(ids.SERIES_EDIT.element("Edit", pair.series.series_id))
    buttons.append(ids.HISTORY_OPEN.element("History", pair.pair_id))
    return buttons


def _skip_button(pair: HomePair, timezone: str) -> ButtonElement:
    """Skip next, after Slack's own confirmation dialog."""
    assert pair.next_starts_at is not None
    when = slack_date(pair.next_starts_at, timezone)
    button = ids.HOME_SKIP_NEXT.element("Skip next", pair.pair_id)
    button.confirm = ConfirmObject(
        title="Skip the next 1:1?",
        text=f"Skip your 1:1 with {mention(pair.other_user_id)} {when}? I'll tell them.",
        confirm="Skip it",
        deny="Keep it",
    )
    return button
