"""Delete my data (issue 15): what the form lists before anything goes, and the erasure itself, in one
transaction: their 1:1s end (each other person told once), what is theirs alone is deleted, and their row
becomes the anonymous "a former participant" of the other person's copy of shared history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.errors import DomainError, InvalidField
from bot.domain.outbox import MessageKind, outbox_key
from bot.services.pairs import Actor
from bot.store import erasure as store
from bot.store import outbox, people
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person

CONFIRM = "confirm"  # the form's confirmation field (its block id)
CONFIRM_WORD = "delete"

NOTHING_STORED = "I have nothing stored about you, so there is nothing to delete."


@dataclass(frozen=True)
class OneOnOne:
    other_user_id: str
    running: bool  # a series is still active: it ends, and the other person is told


@dataclass(frozen=True)
class ErasureForm:
    """What the confirmation form lists: their 1:1s, by the other person."""

    one_on_ones: tuple[OneOnOne, ...]


@dataclass(frozen=True)
class Erased:
    ended: tuple[str, ...]  # the other people whose 1:1 ended (Slack ids), each told once


def erasure_form(sessions: SessionFactory, actor: Actor) -> ErasureForm:
    """Their 1:1s for the form; refused when the bot has nothing stored about them."""
    with sessions() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        if me is None:
            raise DomainError(NOTHING_STORED)
        pairs = people.pairs_of(session, me)
        running = series_store.active_series_of_pairs(session, [pair.id for pair in pairs])
        return ErasureForm(
            tuple(OneOnOne(pair.other(me.id).slack_user_id, pair.id in running) for pair in pairs)
        )


def confirmed(typed: str | None) -> None:
    """The form's guard against a slip: the word must be typed; otherwise nothing is deleted."""
    if (typed or "").strip().lower() != CONFIRM_WORD:
        raise InvalidField(CONFIRM, f'Type "{CONFIRM_WORD}" to confirm. Nothing was deleted.')


def erase_me(sessions: SessionFactory, now: datetime, actor: Actor) -> Erased | None:
    """Erase the actor's data; None when the bot knows nothing of them (never did, or a replayed
    submission after the erasure: their Slack id is no longer stored)."""
    with sessions.begin() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        if me is None:
            return None
        # Locked: a second submission running at the same time waits, then finds no one.
        session.refresh(me, with_for_update=True)
        if me.slack_user_id != actor.user_id:
            return None
        ended = _end_series(session, me, now)
        store.erase(session, me, now)
        return Erased(ended)


def _end_series(session: Session, me: Person, now: datetime) -> tuple[str, ...]:
    """End every running series of theirs; the other person is told once (by pair: a replay adds none)."""
    pairs = list(session.scalars(select(Pair).where(Pair.id.in_(store.pairs_of(me.id))).order_by(Pair.id)))
    running = series_store.active_series_of_pairs(session, [pair.id for pair in pairs])
    told = []
    for pair in pairs:
        series = running.get(pair.id)
        if series is None:
            continue
        series.active = False
        series.ended_at = now
        series_store.cancel_future_meetings(session, series.id, now)
        other = pair.other(me.id)
        outbox.enqueue(
            session,
            key=outbox_key(MessageKind.PARTNER_ERASED, pair.id),
            kind=MessageKind.PARTNER_ERASED,
            now=now,
            recipient_id=other.id,
            params={"pair_id": pair.id, "series_id": series.id},
        )
        told.append(other.slack_user_id)
    return tuple(told)
