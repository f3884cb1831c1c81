"""Questions of the bank a pair found not useful ("Not useful" in a prompt): never suggested to them again.

The prompt path reads them back for a whole batch of pairs (bot/store/prompts.py `retired_questions`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.inserts import insert_ignoring_conflicts
from bot.store.models import QuestionRetired


def retire(session: Session, pair_id: int, question_key: str, person_id: int, now: datetime) -> None:
    """Retire `question_key` for the pair; a second click, by either of them, keeps the first."""
    row = {"pair_id": pair_id, "question_key": question_key, "retired_by_id": person_id, "retired_at": now}
    insert_ignoring_conflicts(
        session, QuestionRetired.__table__, [row], ("pair_id", "question_key"), returning=False
    )


def retired_keys(session: Session, pair_id: int) -> frozenset[str]:
    """The question keys one pair found not useful."""
    return frozenset(
        session.scalars(select(QuestionRetired.question_key).where(QuestionRetired.pair_id == pair_id))
    )
