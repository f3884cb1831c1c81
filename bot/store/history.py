"""Queries behind a pair's history: its past meetings, what was recorded of them, and what words find.

A topic, action item or note belongs to its meeting; one made when none was scheduled (an `add-action`
between meetings, a topic before the first) belongs to the meeting that followed it, as its agenda showed
it there. Who may see what (private notes, private topics) is decided here, in the queries.

A command's history is three statements (four with words), each a UNION ALL of rows of one shape: what words
find (`found_by`), the page of meetings with their count (`page_of`), and all the page's meetings recorded
(`records_of`). The meeting a row made between meetings belongs to is found in the query (`_belongs_to`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    CompoundSelect,
    Date,
    Integer,
    Row,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from bot.domain.agenda import Visibility
from bot.domain.meetings import MeetingStatus
from bot.store import search as engine
from bot.store.models import ActionItem, Meeting, Note, Person, Summary, TemplateOutcome, Topic
from bot.store.reads import shaped


@dataclass
class Found:
    """What a search found in a pair's history: the lines' ids, and the meetings they belong to."""

    meeting_ids: set[int] = field(default_factory=set)
    summaries: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)
    actions: set[int] = field(default_factory=set)
    notes: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class PastRow:
    """A meeting of the page: what a history line shows of the meeting itself."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus


def found_by(
    session: Session, pair_id: int, member_ids: Collection[int], viewer_id: int, terms: list[str]
) -> Found:
    """The lines of the pair's history holding every term, as the viewer may see them: key points, topics
    (shared, or their own), action items, and their own private notes; in one statement."""
    found = Found()
    if not terms:
        return found
    # A summary's scope is its author, and these two may write summaries of other 1:1s too: the pair's
    # meetings sort those out (and let PostgreSQL read the pair's summaries, not every match of the words).
    ours = select(Meeting.id).where(Meeting.pair_id == pair_id)
    branches = [
        select(
            literal("summary", String()).label("what"), Summary.id, Summary.meeting_id.label("meeting")
        ).where(Summary.meeting_id.in_(ours), engine.matches(session, Summary.key_points, terms, member_ids))
    ]
    for what, model, visible in (
        ("topic", Topic, _visible_topic(viewer_id)),
        ("action", ActionItem, None),
        ("note", Note, Note.author_id == viewer_id),
    ):
        where = [model.pair_id == pair_id, engine.matches(session, model.text, terms, [pair_id])]
        branches.append(
            select(
                literal(what, String()).label("what"), model.id, _belongs_to(model).label("meeting")
            ).where(*where, *_also(visible))
        )
    hits = union_all(*branches).subquery()
    ids = {"summary": found.summaries, "topic": found.topics, "action": found.actions, "note": found.notes}
    # None: made when no meeting followed (the series had ended).
    for what, row_id, meeting_id in session.execute(select(hits).where(hits.c.meeting.is_not(None))):
        ids[what].add(row_id)
        found.meeting_ids.add(meeting_id)
    return found


def page_of(
    session: Session,
    pair_id: int,
    now: datetime,
    *,
    offset: int,
    limit: int,
    among: Collection[int] | None = None,
) -> tuple[list[PastRow], int]:
    """The pair's meetings that have begun, newest first, from `offset` (only those `among`, when given),
    and how many there are in all: one statement, the count a row of its own."""
    where = [Meeting.pair_id == pair_id, Meeting.starts_at <= now]
    if among is not None:
        where.append(Meeting.id.in_(list(among)))
    starts = Meeting.__table__.c.starts_at.type
    total = select(
        literal("total", String()).label("what"),
        func.count().label("n"),
        cast(null(), starts).label("starts_at"),
        cast(null(), starts).label("ends_at"),
        cast(null(), String()).label("status"),
    ).where(*where)
    page = (
        select(
            literal("meeting", String()).label("what"),
            Meeting.id.label("n"),
            Meeting.starts_at,
            Meeting.ends_at,
            type_coerce(Meeting.status, String()).label("status"),
        )
        .where(*where)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .offset(offset)
        .limit(limit)
        .subquery()
    )
    count, meetings = 0, []
    for row in session.execute(union_all(total, select(*page.c))):
        if row.what == "total":
            count = row.n
        else:
            meetings.append(PastRow(row.n, row.starts_at, row.ends_at, MeetingStatus(row.status)))
    # A UNION ALL keeps no order: the page's own, restored.
    meetings.sort(key=lambda m: (m.starts_at, m.id), reverse=True)
    return meetings, count


@dataclass
class Records:
    """What was recorded of a page's meetings, as the viewer may see it, each line with its meeting."""

    summaries: list[Row[Any]] = field(default_factory=list)  # id, meeting, who (author), text (key points)
    outcomes: list[Row[Any]] = field(default_factory=list)  # meeting, text, text2 (topic), word (step), kind
    actions: list[Row[Any]] = field(default_factory=list)  # id, meeting, who (owner), text, day, flag (done)
    notes: list[Row[Any]] = field(default_factory=list)  # id, meeting, text
    topics: list[Row[Any]] = field(default_factory=list)  # id, ref (author), meeting, who, text, kind, flag


def records_of(
    session: Session, pair_id: int, viewer_id: int, meetings: Sequence[PastRow], *, topics: bool
) -> Records:
    """All the page's meetings recorded, in one statement: their summaries, template outcomes, action items,
    the viewer's own notes, and (`topics`) the topics they may see."""
    found = Records()
    if not meetings:
        return found
    params = {
        "pair_id": pair_id,
        "viewer_id": viewer_id,
        "ids": [meeting.id for meeting in meetings],
        "newest": max(meeting.starts_at for meeting in meetings),
        "oldest": min(meeting.starts_at for meeting in meetings),
    }
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in session.execute(_records_statement(topics), params):
        grouped[row.what].append(row)
    # A UNION ALL keeps no order: each kind's own, restored.
    found.summaries = sorted(grouped["summary"], key=lambda r: r.id)
    found.outcomes = sorted(grouped["outcome"], key=lambda r: (r.ref, r.ref2, r.id))
    found.actions = sorted(grouped["action"], key=lambda r: r.id)
    found.notes = sorted(grouped["note"], key=lambda r: r.id)
    found.topics = sorted(grouped["topic"], key=lambda r: r.id)
    return found


# `records_of`'s parameters: building its statement took longer than running it (6 of 8 ms on ten years of
# meetings), so it is built once per shape, with these bound at each call.
_PAIR = bindparam("pair_id", type_=Integer())
_VIEWER = bindparam("viewer_id", type_=Integer())
_IDS = bindparam("ids", expanding=True, type_=Integer())
_NEWEST = bindparam("newest", type_=Meeting.__table__.c.starts_at.type)
_OLDEST = bindparam("oldest", type_=Meeting.__table__.c.starts_at.type)


@functools.cache
def _records_statement(topics: bool) -> CompoundSelect:
    ids, viewer_id, pair_id = _IDS, _VIEWER, _PAIR
    window = _made_between()
    branches = [*_summaries(ids), *_outcomes(viewer_id, ids)]
    owner = aliased(Person, name="owner")
    for placed in (True, False):
        # A placed row's meeting is its own: the lookup of the following one is for the others alone.
        belongs: Any = (lambda model: model.meeting_id) if placed else _belongs_to
        branches.append(
            _row(
                "action",
                _attached(ActionItem, pair_id, ids, window, placed).outerjoin(
                    owner, owner.id == ActionItem.owner_id
                ),
                id=ActionItem.id,
                meeting=belongs(ActionItem),
                who=owner.slack_user_id,
                text=ActionItem.text,
                day=ActionItem.due_date,
                flag=ActionItem.done_at.is_not(None),
            )
        )
        branches.append(
            _row(
                "note",
                _attached(Note, pair_id, ids, window, placed, Note.author_id == viewer_id),
                id=Note.id,
                meeting=belongs(Note),
                text=Note.text,
            )
        )
        if topics:
            author = aliased(Person, name="author")
            branches.append(
                _row(
                    "topic",
                    _attached(Topic, pair_id, ids, window, placed, _visible_topic(viewer_id)).outerjoin(
                        author, author.id == Topic.author_id
                    ),
                    id=Topic.id,
                    ref=Topic.author_id,
                    meeting=belongs(Topic),
                    who=author.slack_user_id,
                    text=Topic.text,
                    kind=Topic.status,
                    flag=Topic.held_back,
                )
            )
    return union_all(*branches)


def _summaries(ids: BindParameter[Any]) -> list[Select[Any]]:
    author = aliased(Person, name="writer")
    query = (
        select()
        .select_from(Summary)
        .outerjoin(author, author.id == Summary.author_id)
        .where(Summary.meeting_id.in_(ids))
    )
    return [
        _row(
            "summary",
            query,
            id=Summary.id,
            meeting=Summary.meeting_id,
            who=author.slack_user_id,
            text=Summary.key_points,
        )
    ]


def _outcomes(viewer_id: BindParameter[Any], ids: BindParameter[Any]) -> list[Select[Any]]:
    """What the summaries recorded per template step, of topics the viewer may see."""
    query = (
        select()
        .select_from(TemplateOutcome)
        .join(Summary, Summary.id == TemplateOutcome.summary_id)
        .join(Topic, Topic.id == TemplateOutcome.topic_id)
        .where(Summary.meeting_id.in_(ids), _visible_topic(viewer_id))
    )
    return [
        _row(
            "outcome",
            query,
            id=TemplateOutcome.id,
            ref=Summary.id,
            ref2=Topic.id,
            meeting=Summary.meeting_id,
            text=TemplateOutcome.text,
            text2=Topic.text,
            word=TemplateOutcome.step,
            kind=Topic.kind,
        )
    ]


# The one shape of `records_of`'s rows: what, and these (a typed NULL where a kind has none).
_SHAPE: dict[str, Any] = {
    "id": Integer(),
    "ref": Integer(),
    "ref2": Integer(),
    "meeting": Integer(),
    "who": String(),
    "text": Text(),
    "text2": Text(),
    "word": String(),
    "kind": String(),
    "flag": Boolean(),
    "day": Date(),
}


_row = functools.partial(shaped, _SHAPE)  # a branch of `records_of`'s UNION ALL


@functools.cache  # built once per model: its alias's adaptation cost about 1 ms a call
def _belongs_to(model: Any) -> ColumnElement[Any]:
    """The meeting a row belongs to: its own, or for one made while none was scheduled, the first meeting
    after it was made (cancelled ones aside); None when none followed."""
    following = aliased(Meeting, name="following")
    first_after = (
        select(following.id)
        .where(
            following.pair_id == model.pair_id,
            following.starts_at >= model.created_at,
            following.status != MeetingStatus.CANCELLED,
        )
        .order_by(following.starts_at, following.id)
        .limit(1)
        .correlate(model)
        .scalar_subquery()
    )
    return func.coalesce(model.meeting_id, first_after)


def _made_between() -> tuple[BindParameter[Any], ColumnElement[Any]]:
    """Rows made between meetings can belong to the page's only if made by the newest's start and after the
    meeting before the oldest of them (cancelled ones aside): the bounds, to read no others."""
    before = (
        select(func.max(Meeting.starts_at))
        .where(
            Meeting.pair_id == _PAIR,
            Meeting.starts_at < _OLDEST,
            Meeting.status != MeetingStatus.CANCELLED,
        )
        .scalar_subquery()
    )
    return _NEWEST, before


def _attached(
    model: Any,
    pair_id: BindParameter[Any],
    ids: BindParameter[Any],
    window: tuple[BindParameter[Any], ColumnElement[Any]],
    placed: bool,
    visible: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """The rows of these meetings (see the module's docstring for those made between meetings): `placed`,
    those tied to one; else those made between meetings that belong to one of these."""
    mine = [model.pair_id == pair_id, *_also(visible)]
    if placed:
        return select().select_from(model).where(*mine, model.meeting_id.in_(ids))
    newest, before = window
    return (
        select()
        .select_from(model)
        .where(
            *mine,
            model.meeting_id.is_(None),
            model.created_at <= newest,
            or_(before.is_(None), model.created_at > before),
            _belongs_to(model).in_(ids),
        )
    )


def _visible_topic(viewer_id: int | BindParameter[Any]) -> ColumnElement[bool]:
    return or_(Topic.visibility == Visibility.SHARED, Topic.author_id == viewer_id)


def _also(condition: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [] if condition is None else [condition]
