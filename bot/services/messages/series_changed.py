"""To the other person, after a series was edited: what changed, old → new, in their own zone."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.series_change import Change, Field, Terms, changes
from bot.services.messages.common import acting_user_id, recipient_zone
from bot.store import meetings as meeting_store
from bot.store.models import OutboxMessage, Person, Series


@dataclass(frozen=True)
class SeriesChanged:
    timezone: str  # the recipient's
    by_user_id: str
    reader_user_id: str
    changes: tuple[Change, ...]  # slots in the recipient's zone; a leader as a Slack user id
    next_starts_at: datetime | None


def load_series_changed(session: Session, row: OutboxMessage, now: datetime) -> SeriesChanged | None:
    series = session.get(Series, row.params["series_id"])
    reader = session.get(Person, row.recipient_id) if row.recipient_id else None
    if series is None or reader is None or not series.active:
        return None  # ended since: the notice of that says what counts
    zone = recipient_zone(session, row)
    before, after = Terms.from_params(row.params["before"]), Terms.from_params(row.params["after"])
    found = changes(before, after, datetime.fromisoformat(row.params["since"]), zone)
    if not found:
        return None
    upcoming = meeting_store.next_meeting(session, series.pair_id, now)
    return SeriesChanged(
        timezone=zone,
        by_user_id=acting_user_id(session, row),
        reader_user_id=reader.slack_user_id,
        changes=tuple(leaders_as_slack_ids(session, found)),
        next_starts_at=upcoming.starts_at if upcoming else None,
    )


def leaders_as_slack_ids(session: Session, found: tuple[Change, ...]) -> list[Change]:
    """The changes with who leads as a Slack user id (a person id means nothing to a reader)."""

    def slack_id(person_id: int | None) -> str | None:
        person = session.get(Person, person_id) if person_id is not None else None
        return person.slack_user_id if person else None

    return [
        replace(change, old=slack_id(change.old), new=slack_id(change.new))
        if change.field is Field.LEADER
        else change
        for change in found
    ]
