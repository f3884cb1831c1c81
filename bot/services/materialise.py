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
from bot.store.series import SeriesTerms

# A series is extended once its rows reach less than this far ahead, so each is touched about weekly.
REFILL_BELOW = HORIZON - timedelta(days=7)
BATCH = 2000


def materialise(session: Session, series: Series, now: datetime) -> int:
    """Add the series' meetings from where it was left (never the past) up to the horizon."""
    rows, series.materialised_until = _planned(series, now)
    return series_store.add_meetings(session, rows)


def materialise_due(sessions: SessionFactory, now: datetime) -> int:
    """Extend every active series whose rows run short; one transaction, one INSERT and an UPDATE or two
    per batch (the series are read as plain rows, not ORM objects: a million of them at a first tick)."""
    added = 0
    # ZoneInfo keeps zones only while someone holds them (plus the last eight): holding each zone met
    # here reads its file once per run instead of once per series (half the time at 100,000 series).
    zones: dict[str, ZoneInfo] = {}
    while True:
        with sessions.begin() as session:
            batch = series_store.series_to_extend(session, now + REFILL_BELOW, BATCH)
            rows: list[dict[str, Any]] = []
            until: dict[int, datetime] = {}
            for series in batch:
                zones.setdefault(series.timezone, ZoneInfo(series.timezone))
                made, until[series.id] = _planned(series, now)
                rows.extend(made)
            added += series_store.add_meetings(session, rows)
            series_store.extend_to(session, until)
        if len(batch) < BATCH:
            return added


def _planned(series: SeriesTerms, now: datetime) -> tuple[list[dict[str, Any]], datetime]:
    """The series' meeting rows up to the horizon, and how far its rows then reach (its new
    materialised_until)."""
    rule = series_store.rule_of(series)
    start = max(series.materialised_until, now)
    until = now + HORIZON
    occurrences = occurrences_between(rule, start, until)
    if not occurrences and series.materialised_until <= now:
        # A monthly series can have nothing inside the horizon; keep its next meeting in view anyway.
        upcoming = next_occurrence(rule, now)
        occurrences = [upcoming] if upcoming else []
        until = max(until, upcoming.ends_at) if upcoming else until
    return series_store.meeting_rows(series, occurrences, now), max(series.materialised_until, until)
