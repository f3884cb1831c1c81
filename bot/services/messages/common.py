"""What several loaders read from an outbox row: the recipient's time zone, the person who acted."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.services.people import FALLBACK_TIMEZONE
from bot.store.models import OutboxMessage, Person


def recipient_zone(session: Session, row: OutboxMessage) -> str:
    recipient = session.get(Person, row.recipient_id) if row.recipient_id else None
    return (recipient.timezone if recipient else None) or FALLBACK_TIMEZONE


def acting_user_id(session: Session, row: OutboxMessage) -> str:
    """The Slack id of the person who did what the message tells ("by"); empty if they are gone."""
    by = session.get(Person, row.params["by"]) if "by" in row.params else None
    return by.slack_user_id if by else ""
