"""Renders queued outbox rows into chat.postMessage arguments, at delivery time."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.domain.outbox import MessageKind
from bot.now import Clock
from bot.services.notices import load_notice, load_prompt, load_summary
from bot.slack.blocks.agenda import prompt_blocks, prompt_text
from bot.slack.blocks.common import to_dicts
from bot.slack.blocks.notices import render_notice
from bot.slack.blocks.summary import summary_message
from bot.store.models import OutboxMessage


class MessageRenderer:
    """The outbox's Renderer: None means the message is obsolete and is dropped unsent."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __call__(self, session: Session, row: OutboxMessage) -> dict[str, Any] | None:
        now = self._clock()
        if row.kind == MessageKind.PROMPT:
            view = load_prompt(session, row, now)
            return (
                None if view is None else {"text": prompt_text(view), "blocks": to_dicts(prompt_blocks(view))}
            )
        if row.kind in (MessageKind.SUMMARY, MessageKind.SUMMARY_UPDATE):
            summary = load_summary(session, row, now)
            return None if summary is None else summary_message(summary)
        notice = load_notice(session, row, now)
        return None if notice is None else render_notice(notice)
