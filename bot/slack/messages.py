"""Every kind of outgoing message, one row each: what it loads at delivery time and how it renders.

A loader (in `bot/services/messages/`) reads what the outbox row points at and returns that kind's data,
or None when the message is obsolete (it is then dropped unsent); a renderer (in `bot/slack/blocks/`)
turns that data into chat.postMessage's arguments. A new kind is a `MessageKind`, a row here, and its
own loader and renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from bot.domain.outbox import MessageKind
from bot.now import Clock
from bot.services.home import load_home
from bot.services.messages import after_meeting, erasure, export, handoff, leaving, notices, summary_thread
from bot.services.messages.away import load_away_notice
from bot.services.messages.prompt import load_prompt
from bot.services.messages.series_changed import load_series_changed
from bot.services.messages.summary import load_summary
from bot.slack.blocks import after_meeting as after_meeting_blocks
from bot.slack.blocks import erasure as erasure_blocks
from bot.slack.blocks import export as export_blocks
from bot.slack.blocks import handoff as handoff_blocks
from bot.slack.blocks import leaving as leaving_blocks
from bot.slack.blocks import notices as notice_blocks
from bot.slack.blocks import summary_thread as thread_blocks
from bot.slack.blocks.agenda import prompt_message
from bot.slack.blocks.away import away_notice_message
from bot.slack.blocks.common import Message
from bot.slack.blocks.home import home_tab
from bot.slack.blocks.series_changed import series_changed_message
from bot.slack.blocks.summary import summary_message
from bot.store.models import OutboxMessage

T = TypeVar("T")


@dataclass(frozen=True)
class Kind(Generic[T]):
    load: Callable[[Session, OutboxMessage, datetime], T | None]
    render: Callable[[T], Message]

    def message(self, session: Session, row: OutboxMessage, now: datetime) -> Message | None:
        data = self.load(session, row, now)
        return None if data is None else self.render(data)


KINDS: dict[MessageKind, Kind[Any]] = {
    MessageKind.PROMPT: Kind(load_prompt, prompt_message),
    MessageKind.SERIES_ANNOUNCED: Kind(notices.load_series_announced, notice_blocks.series_announced_message),
    MessageKind.SERIES_CANCELLED: Kind(notices.load_series_cancelled, notice_blocks.series_cancelled_message),
    MessageKind.MEETING_SKIPPED: Kind(notices.load_meeting_skipped, notice_blocks.meeting_skipped_message),
    MessageKind.MEETING_MOVED: Kind(notices.load_meeting_moved, notice_blocks.meeting_moved_message),
    MessageKind.TOPIC_CONFIRMED: Kind(notices.load_topic_confirmed, notice_blocks.topic_confirmed_message),
    MessageKind.WHICH_MEETING: Kind(notices.load_which_meeting, notice_blocks.which_meeting_message),
    MessageKind.NO_MEETING: Kind(notices.load_no_meeting, notice_blocks.no_meeting_message),
    MessageKind.FOLLOW_UP: Kind(after_meeting.load_follow_up, after_meeting_blocks.follow_up_message),
    MessageKind.NUDGE: Kind(after_meeting.load_nudge, after_meeting_blocks.nudge_message),
    MessageKind.MEETING_REBOOKED: Kind(after_meeting.load_rebooked, after_meeting_blocks.rebooked_message),
    MessageKind.SUMMARY: Kind(load_summary, summary_message),
    MessageKind.SUMMARY_UPDATE: Kind(load_summary, summary_message),  # a chat.update of a posted summary
    MessageKind.SUMMARY_ADDED: Kind(
        after_meeting.load_summary_added, after_meeting_blocks.summary_added_message
    ),
    MessageKind.HOME: Kind(load_home, home_tab),  # {"view": …}: published with views.publish
    MessageKind.SERIES_CHANGED: Kind(load_series_changed, series_changed_message),
    MessageKind.ACTION_DONE: Kind(summary_thread.load_action_done, thread_blocks.action_done_message),
    MessageKind.STILL_OPEN: Kind(summary_thread.load_still_open, thread_blocks.still_open_message),
    MessageKind.AWAY_NOTICE: Kind(load_away_notice, away_notice_message),
    # People own their data (issue 15).
    MessageKind.EXPORT: Kind(export.load_export, export_blocks.export_message),
    MessageKind.PARTNER_LEFT: Kind(leaving.load_partner_left, leaving_blocks.partner_left_message),
    MessageKind.PARTNER_BACK: Kind(leaving.load_partner_back, leaving_blocks.partner_back_message),
    MessageKind.PARTNER_ERASED: Kind(erasure.load_partner_erased, erasure_blocks.partner_erased_message),
    MessageKind.HANDOFF_ASKED: Kind(handoff.load_handoff_asked, handoff_blocks.handoff_asked_message),
    MessageKind.HANDOFF_DONE: Kind(handoff.load_handoff_done, handoff_blocks.handoff_done_message),
}


class MessageRenderer:
    """The outbox's Renderer: None means the message is obsolete and is dropped unsent."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __call__(self, session: Session, row: OutboxMessage) -> Message | None:
        return KINDS[MessageKind(row.kind)].message(session, row, self._clock())
