"""Turning series into meeting rows a few weeks ahead (DESIGN.md: "Time is data")."""

from __future__ import annotations

from datetime import datetime, timedelta

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
    rule = series_store.rule_of(series)
    start = max(series.materialised_until, now)
    until = now + HORIZON
    occurrences = occurrences_between(rule, start, until)
    if not occurrences and series.materialised_until <= now:
        # A monthly series can have nothing inside the horizon; keep its next meeting in view anyway.
        upcoming = next_occurrence(rule, now)
        occurrences = [upcoming] if upcoming else []
        until = max(until, upcoming.ends_at) if upcoming else until
    added = series_store.add_meetings(session, series, occurrences, now)
    series.materialised_until = max(series.materialised_until, until)
    return added


def materialise_due(sessions: SessionFactory, now: datetime) -> int:
    """Extend every active series whose rows run short; one transaction per batch."""
    added = 0
    while True:
        with sessions.begin() as session:
            batch = series_store.series_to_extend(session, now + REFILL_BELOW, BATCH)
            for series in batch:
                added += materialise(session, series, now)
        if len(batch) < BATCH:
            return added
