"""What the service tests read back: a meeting, the outgoing messages, and a refusal that changed nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage
from tests.read_back import changed, every_row


def meeting(sessions: SessionFactory, meeting_id: int) -> Meeting:
    with sessions() as session:
        found = session.get(Meeting, meeting_id)
        assert found is not None
        return found


def queued(sessions: SessionFactory, kind: str | None = None) -> list[OutboxMessage]:
    """Outgoing messages, oldest first; only those of `kind` when given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    with sessions() as session:
        return list(session.scalars(query if kind is None else query.where(OutboxMessage.kind == kind)))


def addressed(sessions: SessionFactory, kind: str | None = None) -> list[dict[str, Any]]:
    """What each outgoing message (of `kind`) says about itself: its key (which makes it go out once),
    to whom or where it goes, and the ids it carries; oldest first."""
    return [
        {
            "key": m.key,
            "recipient_id": m.recipient_id,
            "channel_id": m.channel_id,
            "thread_ts": m.thread_ts,
            "meeting_id": m.meeting_id,
            "params": m.params,
        }
        for m in queued(sessions, kind)
    ]


@contextmanager
def refused(
    sessions: SessionFactory, *fragments: str, people: tuple[str, ...] | None = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block raises a DomainError whose message holds `fragments` (in plain words, no Slack markup),
    and the database is exactly as it was; with `people`, they are whom the message's placeholders name."""
    before = every_row(sessions)
    with pytest.raises(DomainError) as error:
        yield error
    for fragment in fragments:
        assert fragment in error.value.message, error.value.message
    # Plain words for people: a sentence, capitalised (or opening with a name) and ended.
    assert re.fullmatch(r"[A-Z“{].*[.?]", error.value.message, re.DOTALL), error.value.message
    assert not any(markup in error.value.message for markup in ("<@", "<!", "&lt;", "&gt;", "&amp;"))
    assert changed(before, every_row(sessions)) == set()
    if people is not None:
        assert error.value.people == people
