"""Meetings as rows a few weeks ahead: the same local time across daylight saving, never the past."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.meetings import HORIZON, MeetingStatus
from bot.services import materialise, series
from bot.services.materialise import materialise_due
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Series
from tests.services.conftest import SET_UP, Weekly, schedule_weekly
from tests.services.people import AS_ALICE, AS_CAROL, BERLIN, BOB

SPRING = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)  # Berlin moves its clocks on Sunday 28 March


def _starts(sessions: SessionFactory, after: datetime) -> list[datetime]:
    with sessions() as session:
        query = select(Meeting.starts_at).where(Meeting.starts_at > after).order_by(Meeting.starts_at)
        return [starts.astimezone(UTC) for starts in session.scalars(query)]


def test_meetings_stay_at_10_in_berlin_across_daylight_saving(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    assert materialise_due(sessions, SPRING) == 6
    starts = _starts(sessions, SPRING)
    assert starts[:2] == [datetime(2027, 3, 23, 9, tzinfo=UTC), datetime(2027, 3, 30, 8, tzinfo=UTC)]
    assert all(s.astimezone(ZoneInfo(BERLIN)).time() == time(10) for s in starts)
    assert starts[-1] <= SPRING + HORIZON
    # While the clock was down, nothing was made up for the weeks gone by.
    assert _starts(sessions, SET_UP + HORIZON) == starts


def test_rows_are_added_once_and_an_ended_series_gets_no_more(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    week = SET_UP + timedelta(days=8)  # a week on, the rows reach less than REFILL_BELOW ahead
    added = materialise_due(sessions, week)
    assert (added, materialise_due(sessions, week)) == (1, 0)  # 12 January, once
    series.cancel(sessions, week, AS_ALICE, weekly.series_id)
    assert materialise_due(sessions, SPRING) == 0
    with sessions() as session:
        statuses = set(session.scalars(select(Meeting.status).where(Meeting.starts_at > week)))
    assert statuses == {MeetingStatus.CANCELLED}


def test_every_series_running_short_is_extended_however_many_batches_it_takes(
    sessions: SessionFactory, weekly: Weekly, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    monkeypatch.setattr(materialise, "BATCH", 1)
    assert materialise_due(sessions, SET_UP + timedelta(days=8)) == 2  # one more week for each


def test_a_monthly_series_starting_beyond_the_horizon_has_its_first_meeting_already(
    sessions: SessionFactory,
) -> None:
    start = date(2027, 2, 2)  # the first Tuesday of February: more than six weeks ahead
    request = series.ScheduleRequest(BOB, "monthly", 1, time(10), start=start)
    scheduled = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    first = datetime(2027, 2, 2, 9, tzinfo=UTC)
    assert scheduled.first_starts_at == first
    with sessions() as session:
        made = session.get(Series, scheduled.series_id)
        assert made is not None
        # Rows reach that meeting's end, so the tick leaves the series alone until then.
        assert made.materialised_until == first + timedelta(minutes=30)
    assert _starts(sessions, SET_UP) == [first]
    assert materialise_due(sessions, SET_UP + timedelta(days=1)) == 0
