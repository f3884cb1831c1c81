"""Which Slack requests were already handled (for at-least-once delivery from Slack)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.store.inserts import insert_ignoring_conflicts
from bot.store.models import SlackRequest


def handled(session: Session, key: str) -> bool:
    return session.scalar(select(SlackRequest.key).where(SlackRequest.key == key)) is not None


def remember(session: Session, key: str, now: datetime) -> None:
    insert_ignoring_conflicts(
        session, SlackRequest.__table__, [{"key": key, "handled_at": now}], ["key"], returning=False
    )


def forget_before(session: Session, before: datetime) -> int:
    return session.execute(delete(SlackRequest).where(SlackRequest.handled_at < before)).rowcount
