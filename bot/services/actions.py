"""Action items between meetings: add one, close one; the posted summary and its thread follow along."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.agenda import TOPIC_MAX_CHARS, clean_text
from bot.domain.errors import DomainError
from bot.services.pairs import Actor, resolve_pair
from bot.services.summaries import refresh_summary_messages
from bot.services.summary_thread import action_done_rows
from bot.store import agenda as agenda_store
from bot.store import outbox, people
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Pair


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
    cleaned = clean_text(text, what="action item", limit=TOPIC_MAX_CHARS)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        owner = me
        if owner_user_id is not None:
            members = {pair.member_a.slack_user_id: pair.member_a, pair.member_b.slack_user_id: pair.member_b}
            if owner_user_id not in members:
                raise DomainError("An action item belongs to one of the two people of the 1:1.")
            owner = members[owner_user_id]
        item = agenda_store.add_action_item(
            session, pair_id=pair.id, owner_id=owner.id, created_by_id=me.id, text=cleaned, due=due, now=now
        )
        return ActionChange(item.id, cleaned, owner.slack_user_id, pair.other(me.id).slack_user_id)


def complete_action(sessions: SessionFactory, now: datetime, actor: Actor, action_id: int) -> ActionChange:
    """Close an item (by button or command); either person of the pair may, nobody else."""
    with sessions.begin() as session:
        item = session.get(ActionItem, action_id, with_for_update=True)
        pair = session.get(Pair, item.pair_id) if item else None
        me = people.find_person(session, actor.team_id, actor.user_id)
        if item is None or pair is None or me is None or me.id not in (pair.member_a_id, pair.member_b_id):
            raise DomainError(f"There is no action item #{action_id} in your 1:1s.")
        owner = pair.member_a if item.owner_id == pair.member_a_id else pair.member_b
        change = ActionChange(item.id, item.text, owner.slack_user_id, pair.other(me.id).slack_user_id)
        if item.done_at is not None:
            return change  # a double click, or both people at once: done once
        item.done_at = now
        if item.meeting_id is not None:
            # The summary it came from shows it ticked, and its thread says who closed it.
            refresh_summary_messages(session, item.meeting_id, now, change=f"done-{item.id}")
            outbox.enqueue_many(session, action_done_rows(session, item, me.id, now))
        return change
