"""Topics found by where they came from, the link back to the Slack message one was made from, and the
command path's read and write (`targets`, `insert_topic`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Row, Select, and_, bindparam, insert, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind
from bot.store import home
from bot.store.models import Meeting, Pair, Person, Topic, Workspace

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


class _NotByIndex(ColumnElement[Any]):
    """A column to order by that SQLite must not read in an index's order: `+column`, SQLite's documented
    no-op that keeps the planner off an index for that term (sqlite.org/optoverview.html). In the next-meeting
    subquery it otherwise walked the (status, starts_at) index over every pair's meetings, for the order,
    instead of looking this pair's up by (pair_id, status, ends_at). Elsewhere the plain column."""

    inherit_cache = True
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_NotByIndex)
def _plain(element: _NotByIndex, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_NotByIndex, "sqlite")
def _unary_plus(element: _NotByIndex, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


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
    """Built once (with bound parameters): building a select of this size costs more than running it.

    The caller is a pair's first or second member: one branch each, so each looks its pairs up by index
    (one OR over both columns had PostgreSQL scan every pair of the workspace)."""
    either = union_all(*(_side(with_other=with_other, first=first) for first in (True, False))).subquery()
    return select(either).order_by(either.c.pair_id)


def _side(*, with_other: bool, first: bool) -> Select[Any]:
    me, other = aliased(Person, name="me"), aliased(Person, name="other")
    mine, theirs = (Pair.member_a_id, Pair.member_b_id) if first else (Pair.member_b_id, Pair.member_a_id)
    next_meeting = (
        select(Meeting.id)
        .where(
            Meeting.pair_id == Pair.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at > bindparam("now", type_=Meeting.__table__.c.ends_at.type),
        )
        .order_by(_NotByIndex(Meeting.starts_at))
        .limit(1)
        .correlate(Pair)
        .scalar_subquery()
    )
    query = (
        select(
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
        .select_from(Workspace)
        .join(me, and_(me.workspace_id == Workspace.id, me.slack_user_id == bindparam("user_id")))
    )
    if with_other:  # both people by their unique index, then their pair by its
        query = query.join(
            other, and_(other.workspace_id == Workspace.id, other.slack_user_id == bindparam("other_user_id"))
        ).join(Pair, and_(mine == me.id, theirs == other.id))
    else:
        query = query.join(Pair, mine == me.id).join(other, other.id == theirs)
    # A pair no series made (an older version's stray topic) is no 1:1 (store/people.py, `pairs_of`).
    return query.outerjoin(Meeting, Meeting.id == next_meeting).where(
        Workspace.slack_team_id == bindparam("team_id"), Pair.manager_id.is_not(None)
    )


_WITH_OTHER = _statement(with_other=True)
_ANY_OTHER = _statement(with_other=False)
_INSERT_TOPIC = insert(Topic.__table__)
