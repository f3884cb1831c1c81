"""People who leave (issue 15, part 4): a deactivated Slack account pauses its series and the other person is
told once; an account that comes back resumes them; a guest or a new zone is taken in from `user_change`.

While a series is paused the clock neither prompts, follows up, chases nor materialises it
(bot/services/prompts.py, followups.py, materialise.py); nothing is sent to the deactivated person.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.domain.outbox import MessageKind, outbox_key
from bot.store import leaving as store
from bot.store import outbox, people
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person, Series

logger = logging.getLogger(__name__)

# What Slack answers when a message goes to a deactivated account: the same as a `user_change` `deleted`.
INACTIVE_ERRORS = frozenset({"account_inactive", "user_disabled"})
_ZONE_LENGTH = 64  # Person.timezone's column


def user_changed(sessions: SessionFactory, now: datetime, team_id: str, user: dict[str, Any]) -> None:
    """A `user_change` event for someone the bot may know: deactivated, back, or a new zone.

    A member who becomes a guest (`is_restricted`, `is_ultra_restricted`) keeps their 1:1s: a guest can
    still talk to the app; if Slack then refuses messages to them, `account_inactive` pauses as above.
    """
    with sessions.begin() as session:
        person = people.find_person(session, team_id, str(user["id"]))
        if person is None or person.erased_at is not None:
            return
        _take_zone(person, user.get("tz"), now)
        if user.get("deleted") is True:
            deactivated(session, person, now)
        elif user.get("deleted") is False and person.deactivated_at is not None:
            back(session, person, now)


def deactivated(session: Session, person: Person, now: datetime) -> None:
    """Their account is gone: pause each running series, tell each other person once, send them nothing."""
    if person.deactivated_at is not None:
        return
    person.deactivated_at = now
    dropped = store.drop_pending_to(session, person.id)
    rows = []
    paused = store.series_of(session, person.id, paused=False)
    for series, pair in paused:
        series.paused_at = now
        store.drop_pending_about(session, series.id)
        rows.extend(_tell_other(MessageKind.PARTNER_LEFT, series, pair, person, now))
    outbox.enqueue_many(session, rows)
    logger.info(
        "person %s deactivated: %s series paused, %s messages dropped", person.id, len(paused), dropped
    )


def back(session: Session, person: Person, now: datetime) -> None:
    """Their account is back: resume each series the other person can still have; meetings ahead are
    prompted as usual, nothing is sent for those that went by."""
    person.deactivated_at = None
    rows = []
    resumed = 0
    for series, pair in store.series_of(session, person.id, paused=True):
        if pair.other(person.id).deactivated_at is not None:
            continue  # both gone: it waits for the other too
        rows.extend(_tell_other(MessageKind.PARTNER_BACK, series, pair, person, now))
        series.paused_at = None
        store.reopen_prompts(session, series.id, now)
        resumed += 1
    outbox.enqueue_many(session, rows)
    logger.info("person %s back: %s series resumed", person.id, resumed)


def _tell_other(
    kind: MessageKind, series: Series, pair: Pair, person: Person, now: datetime
) -> list[dict[str, object]]:
    """The message to the other person, once per pause: the pause's instant is in the key."""
    other = pair.other(person.id)
    if other.deactivated_at is not None or other.erased_at is not None or series.paused_at is None:
        return []
    return [
        {
            "key": outbox_key(kind, series.id, int(series.paused_at.timestamp())),
            "kind": kind,
            "now": now,
            "recipient_id": other.id,
            "params": {"series_id": series.id, "person_id": person.id},
        }
    ]


def _take_zone(person: Person, zone: Any, now: datetime) -> None:
    """A zone Slack now shows for them is used at once (prompts, slots, dates); an unknown one is ignored."""
    if not isinstance(zone, str) or not zone or zone == person.timezone or len(zone) > _ZONE_LENGTH:
        return
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return
    person.timezone, person.timezone_checked_at = zone, now
