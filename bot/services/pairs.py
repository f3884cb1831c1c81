"""Who the caller is and which 1:1 a command is about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.errors import DomainError
from bot.store import people
from bot.store.models import Meeting, Pair, Person


@dataclass(frozen=True)
class Actor:
    """The Slack user who did something, in the workspace they did it in."""

    team_id: str
    user_id: str


class NoSuchPair(DomainError):
    pass


def resolve_pair(
    session: Session, now: datetime, actor: Actor, other_user_id: str | None, *, create: bool
) -> tuple[Person, Pair]:
    """The caller and the pair the command is about.

    With a person named, that pair (created, with its people, when `create`: only scheduling a series
    creates a pair); without one, the caller's only pair. Without `create` nothing is written, so a
    reading session can ask. A pair no series made is treated as no pair at all.
    """
    check_not_self(actor, other_user_id)
    if other_user_id is not None:
        # The common case in two queries: both people known and paired already.
        known = people.find_people(session, actor.team_id, [actor.user_id, other_user_id])
        me, other = known.get(actor.user_id), known.get(other_user_id)
        # Scheduling takes over a pair an older version made without a series; nothing else sees it.
        found = people.pair_of(session, me, other, real_only=not create) if me and other else None
        if me is not None and found is not None:
            return me, found
        if not create:
            raise no_pair_with(other_user_id)
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        other = people.person(session, team.id, other_user_id, now)
        return me, people.pair(session, me, other, now)[0]
    found_me = people.find_person(session, actor.team_id, actor.user_id)
    pairs = people.pairs_of(session, found_me) if found_me else []
    if found_me is None or not pairs:
        raise no_pairs()
    if len(pairs) > 1:
        raise several_pairs([p.other(found_me.id).slack_user_id for p in pairs])
    return found_me, pairs[0]


# The answers of `resolve_pair` (and of the command path's one-query version, services/topics.py).


def check_not_self(actor: Actor, other_user_id: str | None) -> None:
    if other_user_id == actor.user_id:
        raise DomainError("A 1:1 takes two people: mention the person you meet with, not yourself.")


def no_pair_with(other_user_id: str) -> NoSuchPair:
    return NoSuchPair(
        "You don't have a 1:1 with {}. Start one with `/1on1 schedule`, "
        "mentioning them: e.g. `/1on1 schedule @name weekly tue 10:00`.",
        other_user_id,
    )


def no_pairs() -> NoSuchPair:
    return NoSuchPair("You don't have any 1:1s yet, so say who this is for: mention them with @.")


SEVERAL_SHOWN = 10  # others named when someone with several 1:1s named none


def several_pairs(others: list[str]) -> NoSuchPair:
    """`others`: the other people of the caller's 1:1s, in the order of the pairs (the first few named)."""
    shown = others[:SEVERAL_SHOWN]
    names = ", ".join("{}" for _ in shown)
    return NoSuchPair(
        f"You have 1:1s with several people ({names}); say which one by mentioning them.", *shown
    )


def own_meeting(session: Session, actor: Actor, meeting_id: int) -> tuple[Meeting, Pair, Person]:
    """The meeting, if the actor is one of its two people; the same answer for missing and foreign ids."""
    meeting = session.get(Meeting, meeting_id, with_for_update=True)
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    me = people.find_person(session, actor.team_id, actor.user_id)
    if meeting is None or pair is None or me is None or me.id not in (pair.member_a_id, pair.member_b_id):
        raise DomainError("That 1:1 isn't one of yours.")
    return meeting, pair, me
