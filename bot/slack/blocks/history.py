"""A pair's history in Slack (issue 14, part 4): the `/1on1 history` reply and the *History* modal.

A page is at most PAGE_SIZE meetings of at most seven blocks each, so a reply stays well inside Slack's
50 blocks; every section is cut to SECTION_CHARS (and says so), well inside 3,000 characters, which also
keeps a modal's page far below the 250 KB a view may weigh. User text is escaped once, here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    InputBlock,
    PlainTextInputElement,
)
from slack_sdk.models.views import View

from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind
from bot.services.history import WORDS_MAX_CHARS, HistoryView, KeyPoints, PastAction, PastMeeting
from bot.slack import ids
from bot.slack.blocks.common import bullets, context, section
from bot.slack.blocks.replies import Reply, reply
from bot.slack.dates import slack_date, slack_day
from bot.slack.text import escape, escape_clipped, mention

SECTION_CHARS = 1500  # a section's text at most: five meetings of six sections stay light
LINE_CHARS = 300  # one action item, note, topic or outcome
CUT = " _(cut short)_"
WORDS_SHOWN = 100  # of the searched words, echoed in the header
SEARCH_BLOCK = "history_search"  # the modal's search input (action id "value")
MATCH = ":mag: "  # before each line the words found
NEWER_BLOCK, OLDER_BLOCK = "history_newer", "history_older"

STATUS = {
    MeetingStatus.HELD: "held",
    MeetingStatus.SKIPPED: "skipped",
    MeetingStatus.MISSED: "missed",
    MeetingStatus.AWAY: "not held: one of you was away",
    MeetingStatus.CANCELLED: "cancelled",
    MeetingStatus.SCHEDULED: "nothing recorded",
}
KIND = {
    TopicKind.GROW: "GROW coaching",
    TopicKind.CAREER: "Career conversation",
    TopicKind.FEEDBACK: "Feedback",
    TopicKind.CONCERN: "Performance concern",
}


def history_blocks(view: HistoryView, *, nav: bool = True) -> list[Block]:
    """The page: a header, each meeting, and *Newer* / *Older* when there are more."""
    blocks: list[Block] = [section(_header(view))]
    if view.meetings:
        blocks.append(context(_position(view)))
    for meeting in view.meetings:
        blocks.append(DividerBlock())
        blocks.extend(meeting_blocks(meeting, view.timezone))
    if nav:
        blocks.extend(_buttons(view))
    return blocks


def history_reply(view: HistoryView) -> Reply:
    """`/1on1 history`'s reply. Its *Newer* / *Older* replace it; a click can't carry the words searched, so
    a search's reply shows its newest page and says where to see the rest."""
    who = mention(view.other_user_id)
    blocks = history_blocks(view, nav=not view.searching)
    if view.searching and view.pages > 1:
        blocks.append(
            context(
                f"Only the newest {len(view.meetings)} are shown here: add words to narrow it down, or "
                "search in *History* on my Home tab to see them all, page by page."
            )
        )
    fallback = f"{view.total} of your 1:1s with {who} match" if view.searching else f"Your 1:1s with {who}"
    return reply(fallback, *blocks)


def history_modal(view: HistoryView) -> dict[str, Any]:
    """The *History* modal: a search box (*Search* submits it) above the page."""
    search = InputBlock(
        block_id=SEARCH_BLOCK,
        label="Search key points, topics, action items and your notes",
        optional=True,
        element=PlainTextInputElement(
            action_id="value",
            initial_value=view.words or None,
            max_length=WORDS_MAX_CHARS,
            placeholder="e.g. promotion budget",
        ),
    )
    metadata = {"pair_id": view.pair_id, "words": view.words, "page": view.page}
    return View(
        type="modal",
        callback_id=ids.HISTORY_MODAL,
        private_metadata=json.dumps(metadata, ensure_ascii=False),
        title="1:1 history",
        submit="Search",
        close="Close",
        blocks=[search, *history_blocks(view)],
    ).to_dict()


def words_of(metadata: Any) -> str:
    """The words a History modal searched, from its private_metadata; "" for anything else."""
    try:
        words = json.loads(str(metadata or "")).get("words")
    except (ValueError, AttributeError):
        return ""
    return words if isinstance(words, str) else ""


def meeting_blocks(meeting: PastMeeting, timezone: str) -> list[Block]:
    blocks: list[Block] = [section(f"*{slack_date(meeting.starts_at, timezone)}* · {STATUS[meeting.status]}")]
    if meeting.key_points:
        blocks.append(section(_key_points(meeting.key_points)))
    if meeting.outcomes:
        blocks.append(section(_outcomes(meeting)))
    if meeting.actions:
        blocks.append(section(_bullets("*Action items*", [_action(a) for a in meeting.actions])))
    if meeting.my_notes:
        lines = [_marked(note.matched) + _line(note.text) for note in meeting.my_notes]
        blocks.append(section(_bullets(":lock: *Your private notes* (only you can see these)", lines)))
    if meeting.topics:
        lines = [
            f"{MATCH}{_line(t.text)} — {mention(t.author_user_id)}"
            + ("" if t.covered else " _(not covered)_")
            for t in meeting.topics
        ]
        blocks.append(section(_bullets("*Topics*", lines)))
    return blocks


def _header(view: HistoryView) -> str:
    who = mention(view.other_user_id)
    if not view.searching:
        if not view.meetings:
            return (
                f":books: *Your 1:1s with {who}* have no past meetings yet. After each one, its key points, "
                "action items and outcomes show here."
            )
        return f":books: *Your past 1:1s with {who}*, newest first"
    words = f"“{escape_clipped(view.words, WORDS_SHOWN)}”"
    if not view.meetings:
        return (
            f":mag: Nothing in your 1:1s with {who} matches {words}. Every word must appear; "
            "try fewer or shorter words."
        )
    return f":mag: *Your 1:1s with {who} that mention {words}*, newest first"


def _position(view: HistoryView) -> str:
    last = view.first_shown + len(view.meetings) - 1
    span = f"{view.first_shown}" if last == view.first_shown else f"{view.first_shown}–{last}"
    noun = "meeting" if view.total == 1 else "meetings"
    return f"{span} of {view.total} {noun}" + (
        " · :mag: marks what your words found" if view.searching else ""
    )


def _buttons(view: HistoryView) -> list[Block]:
    """*Newer* and *Older*, each in a block of its own: a block's buttons need action ids of their own."""
    blocks: list[Block] = []
    if view.page > 0:
        newer = ids.HISTORY_PAGE.element("Newer", (view.pair_id, view.page - 1))
        blocks.append(ActionsBlock(block_id=NEWER_BLOCK, elements=[newer]))
    if view.page + 1 < view.pages:
        older = ids.HISTORY_PAGE.element("Older", (view.pair_id, view.page + 1))
        blocks.append(ActionsBlock(block_id=OLDER_BLOCK, elements=[older]))
    return blocks


def _key_points(parts: Sequence[KeyPoints]) -> str:
    each = (SECTION_CHARS - 20) // len(parts)
    texts = []
    for part in parts:
        head = f"{_marked(part.matched)}*{mention(part.author_user_id)}:* "
        texts.append(head + _clipped(part.text, max(each - len(head), 50)))
    return "\n".join(texts)


def _outcomes(meeting: PastMeeting) -> str:
    lines: list[str] = []
    topic = None
    for outcome in meeting.outcomes:
        if outcome.topic_text != topic:
            topic = outcome.topic_text
            kind = KIND.get(outcome.kind)
            lines.append(f"*{kind}:* {_line(topic)}" if kind else f"*{_line(topic)}*")
        lines.append(f"      {escape(outcome.step.replace('_', ' ').capitalize())}: {_line(outcome.text)}")
    return _bullets("*Outcomes*", lines, bulleted=False)


def _action(action: PastAction) -> str:
    text = f"~{_line(action.text)}~" if action.done else _line(action.text)
    box = ":white_check_mark:" if action.done else ":white_square:"
    line = f"{box} {text} — {mention(action.owner_user_id)}"
    if action.due is not None and not action.done:
        line += f", due {slack_day(action.due)}"
    return _marked(action.matched) + line


def _bullets(title: str, lines: list[str], *, bulleted: bool = True) -> str:
    if bulleted:
        return bullets(title, lines, limit=SECTION_CHARS)
    text = title
    for index, line in enumerate(lines):
        if len(text) + len(line) + 40 > SECTION_CHARS:
            return text + f"\n…and {len(lines) - index} more lines"
        text += "\n" + line
    return text


def _marked(matched: bool) -> str:
    return MATCH if matched else ""


def _line(text: str) -> str:
    """One line of user text: newlines as spaces, cut to LINE_CHARS (saying so)."""
    return _clipped(" ".join(text.split()), LINE_CHARS)


def _clipped(text: str, limit: int) -> str:
    shown = escape(text)
    if len(shown) <= limit:
        return shown
    return escape_clipped(text, limit - len(CUT)) + CUT
