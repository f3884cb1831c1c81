"""The read commands' queries (issue 17): `/1on1 agenda`, `actions`, `list`, `whoami` in one transaction of
at most four statements, so a read costs the acknowledgement path what a write does.

`mine` is the first: the caller, their cached zone, their 1:1s (or the one with a named person), each with
its next meeting, in one UNION ALL (as bot/store/topics.py `targets`), plus what the command needs beside
(the agenda: the previous held meeting; the list: the active series). `agenda_items` is the second: all an
agenda shows, of every kind, in one UNION ALL of rows of one shape. Who may see what is decided here, in the
queries, as in bot/store/agenda.py (which the prompt and the Home tab still use).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import partial
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Row,
    Select,
    String,
    Text,
    and_,
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
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.cadence import Cadence
from bot.domain.meetings import HEALTH_WINDOW, MeetingStatus
from bot.domain.pulse import WINDOW, Feeling
from bot.domain.templates import TopicKind
from bot.store.agenda import visible_topic
from bot.store.models import (
    ActionItem,
    Meeting,
    Note,
    Pair,
    Person,
    PulseCheck,
    QuestionRetired,
    QuestionShown,
    Series,
    Summary,
    Topic,
    Workspace,
)
from bot.store.pulse import Check
from bot.store.topics import by_either_side, callers_pairs, next_scheduled

OWN_NOTES = 5  # the viewer's newest private notes an agenda shows
BEFORE = 20  # meetings before the next one read for "while you were away" (bot/store/away.py)


# ---------------------------------------------------------------------------------------------------
# The caller and their 1:1s


@dataclass(frozen=True)
class Mine:
    """One of the caller's 1:1s (a series made it), with the caller's cached zone and its next meeting."""

    pair_id: int
    manager_id: int | None
    me_id: int
    my_timezone: str | None
    my_timezone_checked_at: datetime | None
    my_question_suggestions: bool
    my_pulse_as_report: bool
    my_pulse_as_manager: bool
    other_id: int
    other_user_id: str
    meeting_id: int | None
    meeting_starts_at: datetime | None
    meeting_ends_at: datetime | None
    meeting_status: MeetingStatus | None
    meeting_question_key: str | None
    # The agenda's: the pair's previous meeting that was held and summarised ("last time").
    previous_id: int | None = None
    previous_starts_at: datetime | None = None
    previous_ends_at: datetime | None = None
    # The list's: the pair's active series.
    cadence: Cadence | None = None
    weekday: int | None = None
    local_time: time | None = None
    series_timezone: str | None = None
    paused: bool = False


def mine(
    session: Session,
    team_id: str,
    user_id: str,
    other_user_id: str | None,
    now: datetime,
    *,
    limit: int | None,
    agenda: bool = False,
    series: bool = False,
) -> list[Mine]:
    """The caller's 1:1s (only the one with `other_user_id`, when given), by pair, at most `limit`."""
    statement = _MINE[(other_user_id is not None, agenda, series)]
    params = {"team_id": team_id, "user_id": user_id, "other_user_id": other_user_id, "now": now}
    result = session.connection().execute(statement, params)
    rows = result.fetchall() if limit is None else result.fetchmany(limit)
    return [_mine(row) for row in rows]


def _mine(row: Row[Any]) -> Mine:
    values = row._mapping
    return Mine(
        **{name: values[name] for name in _MINE_COLUMNS},
        **{name: values[name] for name in (*_PREVIOUS_COLUMNS, *_SERIES_COLUMNS) if name in values},
        paused="series_paused_at" in values and values["series_paused_at"] is not None,
    )


_MINE_COLUMNS = (
    "pair_id",
    "manager_id",
    "me_id",
    "my_timezone",
    "my_timezone_checked_at",
    "my_question_suggestions",
    "my_pulse_as_report",
    "my_pulse_as_manager",
    "other_id",
    "other_user_id",
    "meeting_id",
    "meeting_starts_at",
    "meeting_ends_at",
    "meeting_status",
    "meeting_question_key",
)
_PREVIOUS_COLUMNS = ("previous_id", "previous_starts_at", "previous_ends_at")
_SERIES_COLUMNS = ("cadence", "weekday", "local_time", "series_timezone")


def _mine_statement(*, with_other: bool, agenda: bool, series: bool) -> Select[Any]:
    """Built once, by either side of the pair as bot/store/topics.py `_statement`."""
    return by_either_side(
        lambda first: _side(with_other=with_other, first=first, agenda=agenda, series=series)
    )


def _side(*, with_other: bool, first: bool, agenda: bool, series: bool) -> Select[Any]:
    me, other = aliased(Person, name="me"), aliased(Person, name="other")
    now = bindparam("now", type_=Meeting.__table__.c.ends_at.type)
    columns: list[Any] = [
        Pair.id.label("pair_id"),
        Pair.manager_id,
        me.id.label("me_id"),
        me.timezone.label("my_timezone"),
        me.timezone_checked_at.label("my_timezone_checked_at"),
        me.question_suggestions.label("my_question_suggestions"),
        me.pulse_as_report.label("my_pulse_as_report"),
        me.pulse_as_manager.label("my_pulse_as_manager"),
        other.id.label("other_id"),
        other.slack_user_id.label("other_user_id"),
        Meeting.id.label("meeting_id"),
        Meeting.starts_at.label("meeting_starts_at"),
        Meeting.ends_at.label("meeting_ends_at"),
        Meeting.status.label("meeting_status"),
        Meeting.question_key.label("meeting_question_key"),
    ]
    previous = aliased(Meeting, name="previous")
    active = aliased(Series, name="active")
    if agenda:
        columns += [
            previous.id.label("previous_id"),
            previous.starts_at.label("previous_starts_at"),
            previous.ends_at.label("previous_ends_at"),
        ]
    if series:
        columns += [
            active.cadence.label("cadence"),
            active.weekday.label("weekday"),
            active.local_time.label("local_time"),
            active.timezone.label("series_timezone"),
            active.paused_at.label("series_paused_at"),
        ]
    query = callers_pairs(columns, me, other, first=first, with_other=with_other)
    query = query.outerjoin(Meeting, Meeting.id == next_scheduled())
    if agenda:
        query = query.outerjoin(previous, previous.id == _previous_held(previous, now))
    if series:
        query = query.outerjoin(active, active.id == _active_series(active))
    return query


def _previous_held(previous: Any, now: ColumnElement[Any]) -> ColumnElement[Any]:
    """bot/store/last_time.py `previous_held`: the pair's latest meeting held and summarised, before the
    next meeting (or, with none, up to now); by the pair's meetings newest first, by their end."""
    earlier = aliased(Meeting, name="earlier")
    return (
        select(earlier.id)
        .where(
            earlier.pair_id == Pair.id,
            earlier.status == MeetingStatus.HELD,
            select(Summary.id).where(Summary.meeting_id == earlier.id).exists(),
            earlier.ends_at <= func.coalesce(Meeting.ends_at, now),
            or_(Meeting.id.is_(None), and_(earlier.starts_at < Meeting.starts_at, earlier.id != Meeting.id)),
        )
        .order_by(earlier.ends_at.desc(), earlier.id.desc())
        .limit(1)
        .correlate(Pair, Meeting)
        .scalar_subquery()
    )


def _active_series(active: Any) -> ColumnElement[Any]:
    found = aliased(Series, name="found")
    return (
        select(found.id)
        .where(found.pair_id == Pair.id, found.active.is_(True))
        .order_by(found.id.desc())
        .limit(1)
        .correlate(Pair)
        .scalar_subquery()
    )


_MINE = {
    (with_other, agenda, series): _mine_statement(with_other=with_other, agenda=agenda, series=series)
    for with_other in (True, False)
    for agenda, series in ((False, False), (True, False), (False, True))
}


def me_alone(session: Session, team_id: str, user_id: str) -> Person | None:
    """The caller's own row (their zone and settings), in one indexed lookup."""
    return session.scalar(
        select(Person)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(Workspace.slack_team_id == team_id, Person.slack_user_id == user_id)
    )


# ---------------------------------------------------------------------------------------------------
# How the caller's 1:1s went (`/1on1 list`)


def health(session: Session, pair_ids: Sequence[int], now: datetime) -> dict[int, dict[MeetingStatus, int]]:
    """bot/store/followups.py `health` for several pairs in one statement: each pair's last HEALTH_WINDOW
    meetings that ended held, skipped or missed, counted by status."""
    if not pair_ids:
        return {}
    ended = (MeetingStatus.HELD, MeetingStatus.SKIPPED, MeetingStatus.MISSED)
    latest = (
        select(
            Meeting.pair_id,
            Meeting.status,
            func.row_number()
            .over(partition_by=Meeting.pair_id, order_by=(Meeting.ends_at.desc(), Meeting.id.desc()))
            .label("recent"),
        )
        .where(Meeting.pair_id.in_(list(pair_ids)), Meeting.ends_at <= now, Meeting.status.in_(ended))
        .subquery()
    )
    counts: dict[int, dict[MeetingStatus, int]] = defaultdict(lambda: dict.fromkeys(ended, 0))
    rows = session.execute(
        select(latest.c.pair_id, latest.c.status, func.count())
        .where(latest.c.recent <= HEALTH_WINDOW)
        .group_by(latest.c.pair_id, latest.c.status)
    )
    for pair_id, status, count in rows:
        counts[pair_id][MeetingStatus(status)] = count
    return counts


# ---------------------------------------------------------------------------------------------------
# Everything an agenda shows (`/1on1 agenda`, `actions`), in one statement


@dataclass(frozen=True)
class TopicRow:
    id: int
    author_id: int
    author_user_id: str
    text: str
    kind: TopicKind
    held_back: bool
    link: str | None


@dataclass(frozen=True)
class ActionRow:
    id: int
    owner_user_id: str
    text: str
    due: date | None


@dataclass
class AgendaItems:
    """What `agenda_items` found, each kind in the order bot/store/agenda.py, pulse.py, away.py, questions.py
    and last_time.py give it."""

    topics: list[TopicRow] = field(default_factory=list)  # on the meeting (or on none), by id
    carried_over: list[TopicRow] = field(default_factory=list)  # of earlier meetings, oldest first
    actions: list[ActionRow] = field(default_factory=list)  # open, soonest due first
    own_notes: list[str] = field(default_factory=list)  # the viewer's own, newest first
    retired: frozenset[str] = frozenset()
    question_history: list[str] = field(default_factory=list)  # oldest first
    checks: list[Check] = field(default_factory=list)  # the last WINDOW meetings', oldest first
    own_check: Check | None = None  # the viewer's for the next meeting
    before: list[tuple[datetime, MeetingStatus, bool]] = field(default_factory=list)  # newest first
    key_points: list[str] = field(default_factory=list)  # the previous held meeting's summaries'
    done_since: list[str] = field(default_factory=list)  # action items closed since it ended
    not_covered: list[str] = field(default_factory=list)  # its topics still open


def agenda_items(
    session: Session,
    *,
    pair_id: int,
    viewer_id: int,
    meeting_id: int | None,
    meeting_starts_at: datetime | None,
    previous_id: int | None,
    previous_ends_at: datetime | None,
    shown: bool,
) -> AgendaItems:
    """All of it in one statement. `shown`: the meeting has started, so held-back topics show to both."""
    statement = _ITEMS[(meeting_id is not None, previous_id is not None)]
    params = {
        "pair_id": pair_id,
        "viewer_id": viewer_id,
        "meeting_id": meeting_id,
        "meeting_starts_at": meeting_starts_at,
        "previous_id": previous_id,
        "previous_ends_at": previous_ends_at,
        "shown": shown,
    }
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    for row in session.connection().execute(statement, params):
        grouped[row.what].append(row)
    return _items(grouped)


def _items(rows: dict[str, list[Row[Any]]]) -> AgendaItems:
    # Each kind's own order is restored here: a UNION ALL keeps none.
    checks = sorted(rows["pulse"], key=lambda r: (r.at, r.id), reverse=True)
    kept: list[int] = []
    for row in checks:  # bot/store/pulse.py `latest`: the checks of the last WINDOW meetings with one
        if row.id not in kept and len(kept) < WINDOW:
            kept.append(row.id)
    own = rows["own_pulse"]
    return AgendaItems(
        topics=[_topic(r) for r in sorted(rows["topic"], key=lambda r: r.id)],
        carried_over=[_topic(r) for r in sorted(rows["carried"], key=lambda r: (r.at, r.id))],
        actions=[
            ActionRow(r.id, r.who or "", r.text, r.day)
            for r in sorted(rows["action"], key=lambda r: (r.day is None, r.day or date.min, r.id))
        ],
        own_notes=[r.text for r in sorted(rows["note"], key=lambda r: (r.at, r.id), reverse=True)],
        retired=frozenset(r.text for r in rows["retired"]),
        question_history=[r.text for r in sorted(rows["shown"], key=lambda r: (r.at, r.id))],
        checks=[_check(r) for r in checks if r.id in kept][::-1],
        own_check=_check(own[0]) if own else None,
        before=[
            (r.at, MeetingStatus(r.text), bool(r.flag))
            for r in sorted(rows["before"], key=lambda r: r.at, reverse=True)
        ],
        key_points=[r.text for r in sorted(rows["key_point"], key=lambda r: r.id)],
        done_since=[r.text for r in sorted(rows["done_since"], key=lambda r: (r.at, r.id))],
        not_covered=[r.text for r in sorted(rows["not_covered"], key=lambda r: r.id)],
    )


def _topic(row: Row[Any]) -> TopicRow:
    return TopicRow(row.id, row.ref, row.who or "", row.text, TopicKind(row.kind), bool(row.flag), row.link)


def _check(row: Row[Any]) -> Check:
    scores = dict(zip(Feeling, (row.s1, row.s2, row.s3, row.s4), strict=True))
    return Check(row.id, row.at, row.ref, scores)


# The one shape every branch has: (what, id, ref, who, text, kind, flag, link, at, day, s1..s4).
_SHAPE: dict[str, Any] = {
    "id": Integer(),
    "ref": Integer(),
    "who": String(),
    "text": Text(),
    "kind": String(),
    "flag": Boolean(),
    "link": String(),
    "at": Meeting.__table__.c.starts_at.type,
    "day": Date(),
    "s1": Integer(),
    "s2": Integer(),
    "s3": Integer(),
    "s4": Integer(),
}


def shaped(shape: Mapping[str, Any], what: str, query: Select[Any], **columns: Any) -> Select[Any]:
    """A branch of a UNION ALL of rows of one `shape` (name: type), `what` saying which kind it is:
    `columns` by name, typed NULL for the rest (PostgreSQL types a bare NULL as text). Here and in
    bot/store/history.py."""
    values = [literal(what, String()).label("what")]
    for name, kind in shape.items():
        column = columns.get(name)
        values.append((cast(null(), kind) if column is None else type_coerce(column, kind)).label(name))
    return query.with_only_columns(*values)


_row = partial(shaped, _SHAPE)


def _limited(branch: Select[Any]) -> Select[Any]:
    """A branch with its own ORDER BY and LIMIT, wrapped: a compound's members may have neither."""
    inner = branch.subquery()
    return select(*inner.c)


def _items_statement(*, has_meeting: bool, has_previous: bool) -> Select[Any]:
    pair_id = bindparam("pair_id", type_=Integer())
    viewer = bindparam("viewer_id", type_=Integer())
    meeting_id = bindparam("meeting_id", type_=Integer())
    starts_at = bindparam("meeting_starts_at", type_=Meeting.__table__.c.starts_at.type)
    shown = bindparam("shown", type_=Boolean())
    author = aliased(Person, name="author")
    open_topics = (
        select()
        .select_from(Topic)
        .outerjoin(author, author.id == Topic.author_id)
        .where(Topic.pair_id == pair_id, Topic.status == TopicStatus.OPEN, visible_topic(viewer, shown))
    )
    topic_columns = {
        "id": Topic.id,
        "ref": Topic.author_id,
        "who": author.slack_user_id,
        "text": Topic.text,
        "kind": Topic.kind,
        "flag": Topic.held_back,
        "link": Topic.link,
    }
    on_this = (
        or_(Topic.meeting_id == meeting_id, Topic.meeting_id.is_(None))
        if has_meeting
        else Topic.meeting_id.is_(None)
    )
    carried = open_topics.join(Meeting, Meeting.id == Topic.meeting_id)
    if has_meeting:
        carried = carried.where(Meeting.id != meeting_id, Meeting.starts_at < starts_at)
    owner = aliased(Person, name="owner")
    branches = [
        _row("topic", open_topics.where(on_this), **topic_columns),
        _row("carried", carried, **topic_columns, at=Meeting.starts_at),
        _row(
            "action",
            select()
            .select_from(ActionItem)
            .outerjoin(owner, owner.id == ActionItem.owner_id)
            .where(ActionItem.pair_id == pair_id, ActionItem.done_at.is_(None)),
            id=ActionItem.id,
            who=owner.slack_user_id,
            text=ActionItem.text,
            day=ActionItem.due_date,
        ),
        _limited(
            _row(
                "note",
                select()
                .where(Note.pair_id == pair_id, Note.author_id == viewer)
                .order_by(Note.created_at.desc(), Note.id.desc())
                .limit(OWN_NOTES),
                id=Note.id,
                text=Note.text,
                at=Note.created_at,
            )
        ),
        _row(
            "retired",
            select().where(QuestionRetired.pair_id == pair_id),
            id=QuestionRetired.id,
            text=QuestionRetired.question_key,
        ),
        _row(
            "shown",
            select().where(QuestionShown.pair_id == pair_id),
            id=QuestionShown.id,
            text=QuestionShown.question_key,
            at=QuestionShown.shown_at,
        ),
        _limited(
            _row(
                "pulse",
                _checks(PulseCheck.pair_id == pair_id)
                .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                .limit(2 * WINDOW),
                **_check_columns(),
            )
        ),
    ]
    if has_meeting:
        branches += [
            _row(
                "own_pulse",
                _checks(PulseCheck.meeting_id == meeting_id, PulseCheck.person_id == viewer),
                **_check_columns(),
            ),
            _limited(
                _row(
                    "before",
                    select()
                    .where(Meeting.pair_id == pair_id, Meeting.starts_at < starts_at)
                    .order_by(Meeting.starts_at.desc())
                    .limit(BEFORE),
                    id=Meeting.id,
                    text=Meeting.status,
                    at=Meeting.starts_at,
                    flag=Meeting.away_told_at.is_not(None),
                )
            ),
        ]
    if has_previous:
        branches += _previous_branches(pair_id, viewer)
    return union_all(*branches)  # type: ignore[return-value]


def _checks(*where: ColumnElement[bool]) -> Select[Any]:
    """bot/store/pulse.py's checks, each with its meeting's start (the columns: `_check_columns`)."""
    return select().select_from(PulseCheck).join(Meeting, Meeting.id == PulseCheck.meeting_id).where(*where)


def _check_columns() -> dict[str, Any]:
    scores = {f"s{n}": getattr(PulseCheck, feeling.value) for n, feeling in enumerate(Feeling, start=1)}
    return {"id": PulseCheck.meeting_id, "ref": PulseCheck.person_id, "at": Meeting.starts_at, **scores}


def _previous_branches(pair_id: ColumnElement[Any], viewer: ColumnElement[Any]) -> list[Select[Any]]:
    """bot/store/last_time.py: what the previous held meeting left."""
    previous = bindparam("previous_id", type_=Integer())
    ended = bindparam("previous_ends_at", type_=Meeting.__table__.c.ends_at.type)
    return [
        _row(
            "key_point",
            select().where(Summary.meeting_id == previous),
            id=Summary.id,
            text=Summary.key_points,
        ),
        _row(
            "done_since",
            select().where(ActionItem.pair_id == pair_id, ActionItem.done_at >= ended),
            id=ActionItem.id,
            text=ActionItem.text,
            at=ActionItem.done_at,
        ),
        _row(
            "not_covered",
            select().where(
                Topic.meeting_id == previous,
                Topic.status == TopicStatus.OPEN,
                or_(Topic.author_id == viewer, (Topic.visibility == Visibility.SHARED) & ~Topic.held_back),
            ),
            id=Topic.id,
            text=Topic.text,
        ),
    ]


_ITEMS = {
    (has_meeting, has_previous): _items_statement(has_meeting=has_meeting, has_previous=has_previous)
    for has_meeting in (True, False)
    for has_previous in (True, False)
}
