"""What the service tests read back: a meeting, the outgoing messages, and a refusal that changed nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
    assert not any(markup in error.value.message for markup in ("<@", "<!", "&lt;", "&gt;", "&amp;"))
    assert changed(before, every_row(sessions)) == set()
    if people is not None:
        assert error.value.people == people
