"""Service tests: the rules against a real database session, no HTTP and no Slack emulator.

`sessions` (a clean database per test) comes from tests/conftest.py. Time is an argument: each test
passes the instant it acts at, starting from the first meeting below.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.services import series
from bot.services.pairs import Actor
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person

TEAM = "T0001"
ALICE, BOB, CAROL, DAVE = "UALICE01", "UBOB0001", "UCAROL01", "UDAVE001"
AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE = (Actor(TEAM, user) for user in (ALICE, BOB, CAROL, DAVE))
BERLIN = "Europe/Berlin"

# The series below is set up on Monday 30 November; its first meeting, on Tuesday 1 December at 10:00 in
# Berlin, starts at tests/conftest.py's START.
FIRST = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SET_UP = FIRST - timedelta(days=1)
FIRST_END = FIRST + timedelta(minutes=30)
SECOND = FIRST + timedelta(days=7)


@dataclass(frozen=True)
class Weekly:
    """Alice (manager) and Bob, weekly on Tuesdays at 10:00 Berlin time, 30 minutes."""

    series_id: int
    pair_id: int
    alice_id: int  # person ids
    bob_id: int
    meeting_ids: list[int]  # soonest first: [0] is 1 Dec, [1] is 8 Dec, …


def schedule_weekly(
    sessions: SessionFactory, caller: Actor, other: str, weekday: int = 1, at: time = time(10)
) -> series.Scheduled:
    request = series.ScheduleRequest(other, "weekly", weekday, at)
    return series.schedule(sessions, SET_UP, caller, request, BERLIN, zones={other: BERLIN})


@pytest.fixture
def weekly(sessions: SessionFactory) -> Weekly:
    scheduled = schedule_weekly(sessions, AS_ALICE, BOB)
    with sessions() as session:
        ids = {
            user: person_id for user, person_id in session.execute(select(Person.slack_user_id, Person.id))
        }
        meetings = session.scalars(
            select(Meeting).where(Meeting.series_id == scheduled.series_id).order_by(Meeting.starts_at)
        ).all()
        return Weekly(
            scheduled.series_id, meetings[0].pair_id, ids[ALICE], ids[BOB], [m.id for m in meetings]
        )


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


Rows = dict[str, list[tuple[str, ...]]]


def every_row(sessions: SessionFactory) -> Rows:
    """Every row of every table, as comparable text."""
    with sessions() as session:
        return {
            table.name: sorted(tuple(repr(value) for value in row) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


@contextmanager
def refused(sessions: SessionFactory, *fragments: str) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block raises a DomainError whose message holds `fragments` (in plain words, no Slack markup),
    and the database is exactly as it was."""
    before = every_row(sessions)
    with pytest.raises(DomainError) as error:
        yield error
    for fragment in fragments:
        assert fragment in error.value.message, error.value.message
    assert not any(markup in error.value.message for markup in ("<@", "<!", "&lt;", "&gt;", "&amp;"))
    after = every_row(sessions)
    assert {name for name in before if before[name] != after[name]} == set()
