"""Topics found by where they came from, the link back to the Slack message one was made from, and the
command path's read and write (`targets`, `insert_topic`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, insert, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind
from bot.store import home
from bot.store.models import Meeting, Pair, Person, Topic, Workspace
from bot.store.planner import NotByIndex

LINK_MAX_CHARS = 500  # Topic.link's column


def topic_from(session: Session, source: str) -> Topic | None:
    """The topic a message or submission already made, if any."""
    return session.scalar(select(Topic).where(Topic.source == source))


def set_link(session: Session, topic_id: int, link: str) -> bool:
    """Point the topic at its message; False when the topic is gone (deleted since) or the link too long."""
    topic = session.get(Topic, topic_id, with_for_update=True)
    if topic is None or len(link) > LINK_MAX_CHARS:
        return False
    topic.link = link
    return True


def topic_to_change(session: Session, topic_id: int) -> Topic | None:
    """The topic, locked for this transaction (two clicks at once change it one after the other)."""
    return session.get(Topic, topic_id, with_for_update=True)


# ---------------------------------------------------------------------------------------------------
# `/1on1 add-topic`: the acknowledgement path, one read and one write


@dataclass(frozen=True)
class Target:
    """Where a command's topic goes: the caller, one of their 1:1s (a series made it), the other person,
    and the 1:1's next meeting (None: none scheduled)."""

    pair_id: int
    manager_id: int | None
    me_id: int
    my_timezone: str | None  # the caller's cached zone, and when Slack last said it
    my_timezone_checked_at: datetime | None
    other_id: int
    other_user_id: str
    meeting_id: int | None
    meeting_starts_at: datetime | None
    home_opened: tuple[int, ...]  # which of the two opened their Home tab: it shows the agenda


def targets(
    session: Session, team_id: str, user_id: str, other_user_id: str | None, now: datetime, *, limit: int
) -> list[Target]:
    """The caller's 1:1s (only the one with `other_user_id`, when given), at most `limit`, each with its
    next meeting: what a topic from a command needs, in one query (each step an index lookup)."""
    statement = _WITH_OTHER if other_user_id is not None else _ANY_OTHER
    params = {"team_id": team_id, "user_id": user_id, "other_user_id": other_user_id, "now": now}
    # On the session's connection, in its transaction: the ORM's execute costs more than the query here.
    rows = session.connection().execute(statement, params).fetchmany(limit)
    return [_target(row) for row in rows]


def insert_topic(
    session: Session, target: Target, text: str, *, kind: TopicKind, held_back: bool, now: datetime
) -> int:
    """Store the topic on the target's next meeting; its id. A Core insert, so the Home tab hook
    (store/home.py) does not see it: the pair's Home tabs are queued here, from what the read already
    knows (nothing to queue for people who never opened theirs)."""
    values = {
        "pair_id": target.pair_id,
        "meeting_id": target.meeting_id,
        "author_id": target.me_id,
        "text": text,
        "kind": kind,
        "held_back": held_back,
        "created_at": now,
    }
    topic_id = session.connection().execute(_INSERT_TOPIC, values).inserted_primary_key[0]
    if target.home_opened:
        home.republish(session, target.home_opened, home.DUE_AT_ONCE)
    return int(topic_id)


def _target(row: Row[Any]) -> Target:
    return Target(
        pair_id=row.pair_id,
        manager_id=row.manager_id,
        me_id=row.me_id,
        my_timezone=row.my_timezone,
        my_timezone_checked_at=row.my_timezone_checked_at,
        other_id=row.other_id,
        other_user_id=row.other_user_id,
        meeting_id=row.meeting_id,
        meeting_starts_at=row.meeting_starts_at,
        home_opened=tuple(
            person_id
            for person_id, opened in (
                (row.me_id, row.my_home_opened_at),
                (row.other_id, row.other_home_opened_at),
            )
            if opened is not None
        ),
    )


def _statement(*, with_other: bool) -> Select[Any]:
    """Built once (with bound parameters): building a select of this size costs more than running it."""
    return by_either_side(lambda first: _side(with_other=with_other, first=first))


def _side(*, with_other: bool, first: bool) -> Select[Any]:
    me, other = aliased(Person, name="me"), aliased(Person, name="other")
    columns = (
        Pair.id.label("pair_id"),
        Pair.manager_id,
        me.id.label("me_id"),
        me.timezone.label("my_timezone"),
        me.timezone_checked_at.label("my_timezone_checked_at"),
        me.home_opened_at.label("my_home_opened_at"),
        other.id.label("other_id"),
        other.slack_user_id.label("other_user_id"),
        other.home_opened_at.label("other_home_opened_at"),
        Meeting.id.label("meeting_id"),
        Meeting.starts_at.label("meeting_starts_at"),
    )
    query = callers_pairs(columns, me, other, first=first, with_other=with_other)
    return query.outerjoin(Meeting, Meeting.id == next_scheduled())


# ---------------------------------------------------------------------------------------------------
# The caller's 1:1s as the commands read them: here, bot/store/reads.py `mine`, bot/store/writes.py `caller`


def by_either_side(side: Callable[[bool], Select[Any]]) -> Select[Any]:
    """The caller is a pair's first or second member: one branch each (`side(first)`), so each looks its pairs
    up by index (one OR over both columns had PostgreSQL scan every pair of the workspace); by pair."""
    either = union_all(side(True), side(False)).subquery()
    return select(either).order_by(either.c.pair_id)


def callers_pairs(
    columns: Iterable[Any], me: Any, other: Any, *, first: bool, with_other: bool, outer: bool = False
) -> Select[Any]:
    """`columns` of the caller (`me`, by workspace and Slack id) and their 1:1s where they are the pair's
    first member (`first`) or its second, with the `other` person; only the one with the named other person
    when `with_other` (both people by their unique index, then their pair by its). `outer`: the caller's row
    comes back even without a 1:1."""
    mine, theirs = (Pair.member_a_id, Pair.member_b_id) if first else (Pair.member_b_id, Pair.member_a_id)
    # A pair no series made (an older version's stray topic) is no 1:1 (store/people.py, `pairs_of`).
    real = Pair.manager_id.is_not(None)

    def join(query: Select[Any], target: Any, on: ColumnElement[bool]) -> Select[Any]:
        return query.outerjoin(target, on) if outer else query.join(target, on)

    query = (
        select(*columns)
        .select_from(Workspace)
        .join(me, and_(me.workspace_id == Workspace.id, me.slack_user_id == bindparam("user_id")))
        .where(Workspace.slack_team_id == bindparam("team_id"))
    )
    if with_other:
        named = and_(other.workspace_id == Workspace.id, other.slack_user_id == bindparam("other_user_id"))
        return join(join(query, other, named), Pair, and_(mine == me.id, theirs == other.id, real))
    return join(join(query, Pair, and_(mine == me.id, real)), other, other.id == theirs)


def next_scheduled(*, offset: int = 0) -> ScalarSelect[Any]:
    """The id of the pair's `offset`-th scheduled meeting that has not ended, soonest first (ties by id, so
    the next one and the one after it never name the same row); for a query of `Pair`."""
    query = (
        select(Meeting.id)
        .where(
            Meeting.pair_id == Pair.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at > bindparam("now", type_=Meeting.__table__.c.ends_at.type),
        )
        .order_by(NotByIndex(Meeting.starts_at), Meeting.id)
        .limit(1)
        .correlate(Pair)
    )
    return (query.offset(offset) if offset else query).scalar_subquery()


_WITH_OTHER = _statement(with_other=True)
_ANY_OTHER = _statement(with_other=False)
_INSERT_TOPIC = insert(Topic.__table__)
