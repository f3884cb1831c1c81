"""Adding topics to the next 1:1's shared agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.agenda import clean_topic
from bot.services.pairs import Actor, resolve_pair
from bot.store import meetings as meeting_store
from bot.store.db import SessionFactory
from bot.store.models import Topic


@dataclass(frozen=True)
class TopicAdded:
    topic_id: int
    text: str
    other_user_id: str
    meeting_starts_at: datetime | None  # None: no meeting scheduled yet


def add_topic(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None, text: str
) -> TopicAdded:
    cleaned = clean_topic(text)
    with sessions.begin() as session:
        return _add(session, now, actor, other_user_id, cleaned)


def _add(session: Session, now: datetime, actor: Actor, other_user_id: str | None, text: str) -> TopicAdded:
    me, pair = resolve_pair(session, now, actor, other_user_id, create=True)
    meeting = meeting_store.next_meeting(session, pair.id, now)
    topic = Topic(
        pair_id=pair.id,
        meeting_id=meeting.id if meeting else None,
        author_id=me.id,
        text=text,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return TopicAdded(
        topic_id=topic.id,
        text=text,
        other_user_id=pair.other(me.id).slack_user_id,
        meeting_starts_at=meeting.starts_at if meeting else None,
    )
