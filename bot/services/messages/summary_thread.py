"""Replies in the summary's thread: an item marked done, what is still open before the next 1:1.

Both are read at delivery: an item done meanwhile leaves the "still open" list, and a list that emptied
is not sent at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.cadence import to_local
from bot.services.agenda import ActionLine
from bot.services.messages.common import acting_user_id
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import agenda as agenda_store
from bot.store import people
from bot.store.models import ActionItem, Meeting, OutboxMessage, Pair, Person


@dataclass(frozen=True)
class ActionDone:
    by_user_id: str  # who marked it done; empty if they are gone
    owner_user_id: str
    text: str


@dataclass(frozen=True)
class StillOpen:
    timezone: str  # for the next meeting's fallback text and what counts as overdue
    next_starts_at: datetime | None  # the 1:1 being prompted now
    actions: tuple[ActionLine, ...]


def load_action_done(session: Session, row: OutboxMessage, now: datetime) -> ActionDone | None:
    item = session.get(ActionItem, row.params["action_id"])
    owner = session.get(Person, item.owner_id) if item else None
    if item is None or owner is None or item.done_at is None:
        return None
    return ActionDone(acting_user_id(session, row), owner.slack_user_id, item.text)


def load_still_open(session: Session, row: OutboxMessage, now: datetime) -> StillOpen | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None:
        return None
    _, items, _ = agenda_store.meeting_record(session, meeting.id)
    still_open = [item for item in items if item.done_at is None]
    if not still_open:
        return None  # all done since the prompt was queued: nothing to remind of
    by_id = people.SlackIds(session, pair)
    # A person's own copy reads in their zone; the group DM's in the first member's (Slack shows each
    # reader the date token in their own zone anyway).
    parent = session.get(OutboxMessage, row.params.get("thread_of") or 0)
    reader = session.get(Person, parent.recipient_id) if parent and parent.recipient_id else pair.member_a
    timezone = (reader.timezone if reader else None) or FALLBACK_TIMEZONE
    today = to_local(now, timezone).date()
    upcoming = session.get(Meeting, row.params.get("before") or 0)
    return StillOpen(
        timezone=timezone,
        next_starts_at=upcoming.starts_at if upcoming else None,
        actions=tuple(
            ActionLine(
                a.id, a.text, by_id[a.owner_id], a.due_date, a.due_date is not None and a.due_date < today
            )
            for a in still_open
        ),
    )
