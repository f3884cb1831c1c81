"""Topics found by where they came from, and the link back to the Slack message one was made from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import Topic

LINK_MAX_CHARS = 500  # Topic.link's column


def topic_from(session: Session, source: str) -> Topic | None:
    """The topic a message or submission already made, if any."""
    return session.scalar(select(Topic).where(Topic.source == source))


def set_link(session: Session, topic_id: int, link: str) -> bool:
    """Point the topic at its message; False when the topic is gone (deleted since) or the link too long."""
    topic = session.get(Topic, topic_id, with_for_update=True)
    if topic is None or len(link) > LINK_MAX_CHARS:
        return False
    topic.link = link
    return True


def topic_to_change(session: Session, topic_id: int) -> Topic | None:
    """The topic, locked for this transaction (two clicks at once change it one after the other)."""
    return session.get(Topic, topic_id, with_for_update=True)
