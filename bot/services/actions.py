"""Action items between meetings: add one, close one; the posted summary and its thread follow along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.agenda import TOPIC_MAX_CHARS, clean_text
from bot.domain.errors import DomainError
from bot.services.pairs import Actor, check_not_self
from bot.services.series import callers_read, one_pair, republish_homes
from bot.services.summaries import refresh_summary_messages
from bot.services.summary_thread import action_done_rows
from bot.store import outbox, writes
from bot.store.db import SessionFactory
from bot.store.models import ActionItem
from bot.store.writes import Extra


@dataclass(frozen=True)
class ActionChange:
    action_id: int
    text: str
    owner_user_id: str
    other_user_id: str


def add_action(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    text: str,
    owner_user_id: str | None,
    due: date | None,
) -> ActionChange:
    """`add-action`: one transaction of two statements (and the request's record, added at its commit):
    the caller and their 1:1 in one query, then the item. A Core insert passes the Home hook by: the Home
    tabs of those of the two who opened theirs are queued from what the read said."""
    cleaned = clean_text(text, what="action item", limit=TOPIC_MAX_CHARS)
    check_not_self(actor, other_user_id)
    with sessions.begin() as session:
        found = callers_read(session, actor, other_user_id, now, Extra.NONE)
        pair = one_pair(found, other_user_id)
        assert found.me_id is not None
        members = {actor.user_id: found.me_id, pair.other_user_id: pair.other_id}
        owner_user_id = owner_user_id or actor.user_id
        if owner_user_id not in members:
            raise DomainError("An action item belongs to one of the two people of the 1:1.")
        action_id = writes.insert_action(
            session,
            {
                "pair_id": pair.pair_id,
                "meeting_id": None,
                "owner_id": members[owner_user_id],
                "created_by_id": found.me_id,
                "text": cleaned,
                "due_date": due,
                "created_at": now,
            },
        )
        republish_homes(session, found.home_opened_of(pair))
        return ActionChange(action_id, cleaned, owner_user_id, pair.other_user_id)


def complete_action(sessions: SessionFactory, now: datetime, actor: Actor, action_id: int) -> ActionChange:
    """Close an item (by button or command); either person of the pair may, nobody else.

    One read (the item with its pair's two people), one UPDATE that only an open item takes (so two
    clicks at once close it once), and the request's record; an item from a summary also refreshes the
    summary's posted copies and tells its thread."""
    with sessions.begin() as session:
        item = writes.action_of_pair(session, action_id)
        me = item.member(actor.team_id, actor.user_id) if item else None
        if item is None or me is None:
            raise DomainError(f"There is no action item #{action_id} in your 1:1s.")
        owner = item.of(item.owner_id).user_id
        change = ActionChange(item.action_id, item.text, owner, item.other(me.person_id).user_id)
        if item.done or not writes.close_action(session, action_id, now):
            return change  # a double click, or both people at once: done once
        if item.meeting_id is not None:
            # The summary it came from shows it ticked, and its thread says who closed it.
            refresh_summary_messages(session, item.meeting_id, now, change=f"done-{item.action_id}")
            # What action_done_rows reads of the item (its id and meeting), not loaded again: never added.
            closed = ActionItem(id=item.action_id, meeting_id=item.meeting_id)
            outbox.enqueue_many(session, action_done_rows(session, closed, me.person_id, now))
        republish_homes(session, tuple(member.person_id for member in item.people if member.home_opened))
        return change
