"""Loader of the message telling someone that the other person of their 1:1 deleted their data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence
from bot.store.models import OutboxMessage, Series


@dataclass(frozen=True)
class PartnerErased:
    """Which 1:1 ended, by its slot: the other person's name is gone by the time this is read."""

    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str


def load_partner_erased(session: Session, row: OutboxMessage, now: datetime) -> PartnerErased | None:
    series = session.get(Series, row.params["series_id"])
    if series is None:
        return None
    return PartnerErased(series.cadence, series.weekday, series.local_time, series.timezone)
