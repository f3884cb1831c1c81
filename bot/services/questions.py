""" "Not useful" on a prompt's question: the pair is never suggested it again (issue 14, part 5)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import DomainError
from bot.services.pairs import Actor, own_meeting
from bot.store import questions as question_store
from bot.store.db import SessionFactory


def retire_question(sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int) -> None:
    """Retire the question of `meeting_id` for its pair, for both people; either of them may, nobody else.
    A second click, or Slack delivering the click again, changes nothing."""
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        if meeting.question_key is None:
            raise DomainError("There's no suggested question in that 1:1 to set aside.")
        question_store.retire(session, pair.id, meeting.question_key, me.id, now)
