"""Queries for workspaces, people and pairs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from bot.store.models import Pair, Person, Workspace

T = TypeVar("T")


def workspace(session: Session, team_id: str, now: datetime) -> Workspace:
    found = session.scalar(select(Workspace).where(Workspace.slack_team_id == team_id))
    if found is not None:
        return found
    return _insert_or_refetch(
        session,
        Workspace(slack_team_id=team_id, created_at=now),
        select(Workspace).where(Workspace.slack_team_id == team_id),
    )


def person(session: Session, workspace_id: int, slack_user_id: str, now: datetime) -> Person:
    query = select(Person).where(Person.workspace_id == workspace_id, Person.slack_user_id == slack_user_id)
    found = session.scalar(query)
    if found is not None:
        return found
    return _insert_or_refetch(
        session, Person(workspace_id=workspace_id, slack_user_id=slack_user_id, created_at=now), query
    )


def find_person(session: Session, team_id: str, slack_user_id: str) -> Person | None:
    return session.scalar(
        select(Person)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(Workspace.slack_team_id == team_id, Person.slack_user_id == slack_user_id)
    )


def find_people(session: Session, team_id: str, slack_user_ids: list[str]) -> dict[str, Person]:
    """Those of these people the bot knows, by Slack user id, in one query."""
    found = session.scalars(
        select(Person)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(Workspace.slack_team_id == team_id, Person.slack_user_id.in_(slack_user_ids))
    )
    return {person.slack_user_id: person for person in found}


# A series sets who leads; a pair without a manager came from an older version's stray topic.
_REAL = Pair.manager_id.is_not(None)


def pair_of(session: Session, one: Person, other: Person, *, real_only: bool = False) -> Pair | None:
    """The two people's pair; with `real_only`, only one a series made (see `pairs_of`)."""
    low, high = sorted((one.id, other.id))
    query = _pairs().where(Pair.member_a_id == low, Pair.member_b_id == high)
    return session.scalar(query.where(_REAL) if real_only else query)


def pair(session: Session, one: Person, other: Person, now: datetime) -> tuple[Pair, bool]:
    """The pair of two people, created if needed; the flag says whether it was created."""
    found = pair_of(session, one, other)
    if found is not None:
        return found, False
    low, high = sorted((one.id, other.id))
    created = _insert_or_refetch(
        session,
        Pair(workspace_id=one.workspace_id, member_a_id=low, member_b_id=high, created_at=now),
        _pairs().where(Pair.member_a_id == low, Pair.member_b_id == high),
    )
    return created, True


def pairs_of(session: Session, someone: Person) -> list[Pair]:
    """Someone's real 1:1s: pairs a series made (it sets who leads).

    Older versions made a pair from a topic aimed at anyone; such a pair stays stored but unseen.
    """
    return list(
        session.scalars(
            _pairs()
            .where(
                or_(Pair.member_a_id == someone.id, Pair.member_b_id == someone.id),
                _REAL,
            )
            .order_by(Pair.id)
        )
    )


def _pairs() -> Select[tuple[Pair]]:
    return select(Pair).options(joinedload(Pair.member_a), joinedload(Pair.member_b))


def _insert_or_refetch(session: Session, row: T, query: Select[tuple[T]]) -> T:
    """Insert `row`; if a concurrent request inserted the same one first, return that one instead."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return row


def cached_timezones(
    session: Session, team_id: str, slack_user_ids: list[str]
) -> dict[str, tuple[str | None, datetime | None]]:
    rows = session.execute(
        select(Person.slack_user_id, Person.timezone, Person.timezone_checked_at)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(Workspace.slack_team_id == team_id, Person.slack_user_id.in_(slack_user_ids))
    )
    return {user_id: (zone, checked_at) for user_id, zone, checked_at in rows}


def remember_timezones(session: Session, team_id: str, zones: Mapping[str, str], now: datetime) -> None:
    """Cache zones on people already known.

    A lookup alone creates nobody, so a refused command stores nothing.
    """
    for user_id, zone in zones.items():
        someone = find_person(session, team_id, user_id)
        if someone is not None:
            someone.timezone = zone
            someone.timezone_checked_at = now


def remember_names(session: Session, team_id: str, names: Mapping[str, str]) -> None:
    """Each known person's name as Slack shows it."""
    for user_id, name in names.items():
        someone = find_person(session, team_id, user_id)
        if someone is not None and someone.display_name != name:
            someone.display_name = name


def remember_statuses(session: Session, team_id: str, until: Mapping[str, datetime | None]) -> None:
    """Until when each known person's Slack status says they are away (None: it doesn't)."""
    for user_id, away_until in until.items():
        someone = find_person(session, team_id, user_id)
        if someone is not None:
            someone.status_away_until = away_until


class SlackIds(dict[int, str]):
    """Person ids as Slack ids: the pair's two, and anyone else its record names (a manager who handed the
    1:1 over wrote summaries and owned action items in the meetings that moved with it), read when asked."""

    def __init__(self, session: Session, pair: Pair) -> None:
        super().__init__(
            {pair.member_a_id: pair.member_a.slack_user_id, pair.member_b_id: pair.member_b.slack_user_id}
        )
        self._session = session

    def __missing__(self, person_id: int) -> str:
        person = self._session.get(Person, person_id)
        self[person_id] = found = person.slack_user_id if person else ""
        return found
