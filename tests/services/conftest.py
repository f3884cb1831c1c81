"""Service tests: the rules against a real database session, no HTTP and no Slack emulator.

`sessions` (a clean database per test) comes from tests/conftest.py; the people are in people.py, and
what the tests read back in helpers.py. Time is an argument: each test passes the instant it acts at,
starting from the first meeting below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.services import series
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person
from tests.services.people import ALICE, AS_ALICE, BERLIN, BOB

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
