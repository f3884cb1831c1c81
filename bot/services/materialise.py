"""Turning series into meeting rows a few weeks ahead (DESIGN.md: "Time is data")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.cadence import next_occurrence, occurrences_between
from bot.domain.meetings import HORIZON
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Series

# A series is extended once its rows reach less than this far ahead, so each is touched about weekly.
REFILL_BELOW = HORIZON - timedelta(days=7)
BATCH = 2000


def materialise(session: Session, series: Series, now: datetime) -> int:
    """Add the series' meetings from where it was left (never the past) up to the horizon."""
    return series_store.add_meetings(session, _extend(series, now))


def materialise_due(sessions: SessionFactory, now: datetime) -> int:
    """Extend every active series whose rows run short; one transaction and one INSERT per batch."""
    added = 0
    # ZoneInfo keeps zones only while someone holds them (plus the last eight): holding each zone met
    # here reads its file once per run instead of once per series (half the time at 100,000 series).
    zones: dict[str, ZoneInfo] = {}
    while True:
        with sessions.begin() as session:
            batch = series_store.series_to_extend(session, now + REFILL_BELOW, BATCH)
            rows = []
            for series in batch:
                rows.extend(_extend(series, now))
                zones.setdefault(series.timezone, ZoneInfo(series.timezone))
            added += series_store.add_meetings(session, rows)
        if len(batch) < BATCH:
            return added


def _extend(series: Series, now: datetime) -> list[dict[str, Any]]:
    """The series' meeting rows up to the horizon; moves its materialised_until there."""
    rule = series_store.rule_of(series)
    start = max(series.materialised_until, now)
    until = now + HORIZON
    occurrences = occurrences_between(rule, start, until)
    if not occurrences and series.materialised_until <= now:
        # A monthly series can have nothing inside the horizon; keep its next meeting in view anyway.
        upcoming = next_occurrence(rule, now)
        occurrences = [upcoming] if upcoming else []
        until = max(until, upcoming.ends_at) if upcoming else until
    series.materialised_until = max(series.materialised_until, until)
    return series_store.meeting_rows(series, occurrences, now)
