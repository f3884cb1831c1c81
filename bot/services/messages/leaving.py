"""Loaders of the messages about a partner who left Slack or came back: ids from the row, read at delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage, Person, Series


@dataclass(frozen=True)
class PartnerNotice:
    partner_user_id: str  # who left, or came back
    partner_name: str | None  # their Slack name, for the `/1on1 cancel @name` hint


def load_partner_left(session: Session, row: OutboxMessage, now: datetime) -> PartnerNotice | None:
    # Back (or cancelled) before this went out: nothing to say.
    return _load(session, row, paused=True)


def load_partner_back(session: Session, row: OutboxMessage, now: datetime) -> PartnerNotice | None:
    # Gone again, or cancelled meanwhile: the newer news is told instead.
    return _load(session, row, paused=False)


def _load(session: Session, row: OutboxMessage, *, paused: bool) -> PartnerNotice | None:
    series = session.get(Series, row.params["series_id"])
    partner = session.get(Person, row.params["person_id"])
    if series is None or partner is None or not series.active or (series.paused_at is not None) != paused:
        return None
    return PartnerNotice(partner.slack_user_id, partner.display_name)
