"""The write commands' reads and writes (`add-action`, `done`, `skip`, `reschedule`, `cancel`): each command
reads what it needs in ONE query, then writes with Core statements on the session's connection, so the
command is one transaction of a few statements (issue 17), the request's record the last of them.

Core writes pass the session hooks by: the calendar feed's revision is raised by hand here, and the Home
tabs are queued by the services from what the read already says (who opened theirs)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, and_, bindparam, insert, null, select, update
from sqlalchemy.orm import Session, aliased

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.store.models import ActionItem, Meeting, Pair, Person, Series, Workspace
from bot.store.topics import by_either_side, callers_pairs, next_scheduled


class Extra(enum.Enum):
    """What a command reads with the caller's 1:1s, beyond the 1:1 and its next meeting."""

    NONE = "none"  # add-action
    FOLLOWING = "following"  # skip: when the meeting after the next one starts
    MEETING_SERIES = "meeting series"  # reschedule: the next meeting's series, for its prompt's lead
    ACTIVE_SERIES = "active series"  # cancel: the 1:1's running series


@dataclass(frozen=True)
class PairOfCaller:
    """One of the caller's 1:1s (a series made it), the other person and what the command asked for."""

    pair_id: int
    other_id: int
    other_user_id: str
    other_home_opened: bool  # the other person opened their Home tab (it shows what commands change)
    meeting_id: int | None  # the next scheduled meeting that has not ended (None: none)
    meeting_starts_at: datetime | None
    meeting_ends_at: datetime | None
    following_starts_at: datetime | None  # Extra.FOLLOWING
    lead_minutes: int | None  # the series' prompt leads (MEETING_SERIES, ACTIVE_SERIES)
    people_lead_minutes: int | None
    series_id: int | None  # ACTIVE_SERIES: the running series, and its terms
    cadence: Cadence | None
    weekday: int | None
    local_time: time | None
    series_timezone: str | None


@dataclass(frozen=True)
class Caller:
    """The caller as stored (None fields: not known yet), their cached zone, and their 1:1s."""

    me_id: int | None
    timezone: str | None
    timezone_checked_at: datetime | None
    home_opened: bool
    pairs: list[PairOfCaller]

    def home_opened_of(self, pair: PairOfCaller) -> tuple[int, ...]:
        """Which of the two people of `pair` opened their Home tab (it shows what the command changes)."""
        mine = (self.me_id,) if self.home_opened and self.me_id is not None else ()
        return (*mine, *((pair.other_id,) if pair.other_home_opened else ()))


def caller(
    session: Session,
    team_id: str,
    user_id: str,
    other_user_id: str | None,
    now: datetime,
    *,
    extra: Extra,
    limit: int,
) -> Caller:
    """The caller (their row even without any 1:1) and at most `limit` of their 1:1s (only the one with
    `other_user_id`, when given), each with its next meeting and `extra`: one query, each step by index."""
    statement = _STATEMENTS[(other_user_id is not None, extra)]
    params = {"team_id": team_id, "user_id": user_id, "other_user_id": other_user_id, "now": now}
    # Each branch gives one row without a pair when the caller has none on its side: two at most.
    rows = session.connection().execute(statement, params).fetchmany(limit + 2)
    if not rows:
        return Caller(None, None, None, False, [])
    first = rows[0]
    pairs = [_pair(row) for row in rows if row.pair_id is not None]
    return Caller(
        first.me_id,
        first.my_timezone,
        first.my_timezone_checked_at,
        first.my_home_opened_at is not None,
        pairs[:limit],
    )


def _pair(row: Row[Any]) -> PairOfCaller:
    return PairOfCaller(
        pair_id=row.pair_id,
        other_id=row.other_id,
        other_user_id=row.other_user_id,
        other_home_opened=row.other_home_opened_at is not None,
        meeting_id=row.meeting_id,
        meeting_starts_at=row.meeting_starts_at,
        meeting_ends_at=row.meeting_ends_at,
        following_starts_at=row.following_starts_at,
        lead_minutes=row.lead_minutes,
        people_lead_minutes=row.people_lead_minutes,
        series_id=row.series_id,
        cadence=row.cadence,
        weekday=row.weekday,
        local_time=row.local_time,
        series_timezone=row.series_timezone,
    )


def _side(*, with_other: bool, first: bool, extra: Extra) -> Select[Any]:
    """The caller as a pair's first (or second) member: outer joins, so the caller's row comes back even
    without a 1:1 (their cached zone is still wanted: it decides whether to answer "one moment")."""
    me, other = aliased(Person, name="me"), aliased(Person, name="other")
    following, series = aliased(Meeting, name="following"), aliased(Series, name="series")
    leads, terms = extra in (Extra.MEETING_SERIES, Extra.ACTIVE_SERIES), extra is Extra.ACTIVE_SERIES
    columns: dict[str, Any] = {  # None: this shape does not read it
        "pair_id": Pair.id,
        "me_id": me.id,
        "my_timezone": me.timezone,
        "my_timezone_checked_at": me.timezone_checked_at,
        "my_home_opened_at": me.home_opened_at,
        "other_id": other.id,
        "other_user_id": other.slack_user_id,
        "other_home_opened_at": other.home_opened_at,
        "meeting_id": Meeting.id,
        "meeting_starts_at": Meeting.starts_at,
        "meeting_ends_at": Meeting.ends_at,
        "following_starts_at": following.starts_at if extra is Extra.FOLLOWING else None,
        "lead_minutes": series.lead_minutes if leads else None,
        "people_lead_minutes": series.people_lead_minutes if leads else None,
        "series_id": series.id if terms else None,
        "cadence": series.cadence if terms else None,
        "weekday": series.weekday if terms else None,
        "local_time": series.local_time if terms else None,
        "series_timezone": series.timezone if terms else None,
    }
    labelled = ((null() if column is None else column).label(name) for name, column in columns.items())
    query = callers_pairs(labelled, me, other, first=first, with_other=with_other, outer=True)
    query = query.outerjoin(Meeting, Meeting.id == next_scheduled())
    if extra is Extra.FOLLOWING:
        query = query.outerjoin(following, following.id == next_scheduled(offset=1))
    elif extra is Extra.MEETING_SERIES:
        query = query.outerjoin(series, series.id == Meeting.series_id)
    elif extra is Extra.ACTIVE_SERIES:
        query = query.outerjoin(series, and_(series.pair_id == Pair.id, series.active.is_(True)))
    return query


def _statement(*, with_other: bool, extra: Extra) -> Select[Any]:
    """Built once per shape: building a select of this size costs more than running it."""
    return by_either_side(lambda first: _side(with_other=with_other, first=first, extra=extra))


_STATEMENTS = {
    (with_other, extra): _statement(with_other=with_other, extra=extra)
    for with_other in (True, False)
    for extra in Extra
}


# ------------------------------------------------------------------------------------------ the writes


def insert_action(session: Session, values: dict[str, Any]) -> int:
    """A new action item (ActionItem's columns); its id."""
    return int(session.connection().execute(_INSERT_ACTION, values).inserted_primary_key[0])


def skip_meeting(session: Session, meeting_id: int) -> None:
    """The meeting is skipped; the calendar feed's SEQUENCE rises with it (a Core UPDATE passes the
    revision hook by, bot/store/revisions.py)."""
    session.connection().execute(_SKIP, {"meeting_id": meeting_id})


def move_meeting(
    session: Session, meeting_id: int, starts_at: datetime, ends_at: datetime, prompt_at: datetime
) -> None:
    """The meeting moves (and its prompt with it); its revision rises, as for `skip_meeting`."""
    values = {
        "meeting_id": meeting_id,
        "new_starts_at": starts_at,
        "new_ends_at": ends_at,
        "new_prompt_at": prompt_at,
    }
    session.connection().execute(_MOVE, values)


class Member(NamedTuple):
    person_id: int
    user_id: str  # Slack's
    home_opened: bool  # they opened their Home tab (it shows the pair's action items)


@dataclass(frozen=True)
class ActionOfPair:
    """An action item with its pair's two people (a's first), for closing it."""

    action_id: int
    text: str
    done: bool
    owner_id: int
    meeting_id: int | None
    people: tuple[Member, Member]
    team_id: str  # the pair's workspace

    def member(self, team_id: str, user_id: str) -> Member | None:
        """The pair's member who is this Slack user of this workspace, if one is."""
        return next((m for m in self.people if (team_id, user_id) == (self.team_id, m.user_id)), None)

    def other(self, person_id: int) -> Member:
        return self.people[1] if self.people[0].person_id == person_id else self.people[0]

    def of(self, person_id: int) -> Member:
        return self.people[0] if self.people[0].person_id == person_id else self.people[1]


def action_of_pair(session: Session, action_id: int) -> ActionOfPair | None:
    """The action item, its pair's two people and the pair's workspace, in one query."""
    row = session.connection().execute(_ACTION_OF_PAIR, {"action_id": action_id}).first()
    if row is None:
        return None
    return ActionOfPair(
        action_id=row.id,
        text=row.text,
        done=row.done_at is not None,
        owner_id=row.owner_id,
        meeting_id=row.meeting_id,
        people=_members(row),
        team_id=row.slack_team_id,
    )


def close_action(session: Session, action_id: int, now: datetime) -> bool:
    """Mark the item done; False when it already was (a double click, or both people at once: on
    PostgreSQL the second UPDATE waits for the first's commit, then finds it done)."""
    return (
        session.connection().execute(_CLOSE_ACTION, {"action_id": action_id, "now": now}).first() is not None
    )


def _action_of_pair() -> Select[Any]:
    found = select(
        ActionItem.id,
        ActionItem.text,
        ActionItem.done_at,
        ActionItem.owner_id,
        ActionItem.meeting_id,
        Workspace.slack_team_id,
    ).join(Pair, Pair.id == ActionItem.pair_id)
    return (
        _with_members(found)
        .join(Workspace, Workspace.id == Pair.workspace_id)
        .where(ActionItem.id == bindparam("action_id"))
    )


def _with_members(found: Select[Any]) -> Select[Any]:
    """`found`, joined to Pair already, with the pair's two people's columns (a's first): see `_members`."""
    a, b = aliased(Person, name="a"), aliased(Person, name="b")
    return (
        found.add_columns(
            a.id.label("a_id"),
            a.slack_user_id.label("a_user_id"),
            a.home_opened_at.label("a_home_opened_at"),
            b.id.label("b_id"),
            b.slack_user_id.label("b_user_id"),
            b.home_opened_at.label("b_home_opened_at"),
        )
        .join(a, a.id == Pair.member_a_id)
        .join(b, b.id == Pair.member_b_id)
    )


def _members(row: Row[Any]) -> tuple[Member, Member]:
    return (
        Member(row.a_id, row.a_user_id, row.a_home_opened_at is not None),
        Member(row.b_id, row.b_user_id, row.b_home_opened_at is not None),
    )


@dataclass(frozen=True)
class SeriesOfPair:
    """A series, its terms as `cancel` repeats them, and its pair's two people (a's first)."""

    series_id: int
    active: bool
    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str
    people: tuple[Member, Member]

    def member(self, user_id: str) -> Member | None:
        return next((m for m in self.people if m.user_id == user_id), None)

    def other(self, person_id: int) -> Member:
        return self.people[1] if self.people[0].person_id == person_id else self.people[0]


def series_of_pair(session: Session, series_id: int) -> SeriesOfPair | None:
    """The series and its pair's two people, in one query."""
    row = session.connection().execute(_SERIES_OF_PAIR, {"series_id": series_id}).first()
    if row is None:
        return None
    return SeriesOfPair(
        series_id=row.id,
        active=row.active,
        cadence=row.cadence,
        weekday=row.weekday,
        local_time=row.local_time,
        timezone=row.timezone,
        people=_members(row),
    )


def end_series(session: Session, series_id: int, now: datetime) -> bool:
    """The series stops (its revision rises, as the hook would); False when it had already stopped (two
    clicks at once: on PostgreSQL the second waits for the first's commit, then finds it ended)."""
    return session.connection().execute(_END_SERIES, {"series_id": series_id, "now": now}).first() is not None


def _series_of_pair() -> Select[Any]:
    found = select(
        Series.id, Series.active, Series.cadence, Series.weekday, Series.local_time, Series.timezone
    ).join(Pair, Pair.id == Series.pair_id)
    return _with_members(found).where(Series.id == bindparam("series_id"))


_meetings = Meeting.__table__
_series = Series.__table__
_actions = ActionItem.__table__
_INSERT_ACTION = insert(_actions)
_SKIP = (
    update(_meetings)
    .where(_meetings.c.id == bindparam("meeting_id"))
    .values(status=MeetingStatus.SKIPPED, revision=_meetings.c.revision + 1)
)
_MOVE = (
    update(_meetings)
    .where(_meetings.c.id == bindparam("meeting_id"))
    .values(
        starts_at=bindparam("new_starts_at"),
        ends_at=bindparam("new_ends_at"),
        prompt_at=bindparam("new_prompt_at"),
        revision=_meetings.c.revision + 1,
    )
)
_CLOSE_ACTION = (
    update(_actions)
    .where(_actions.c.id == bindparam("action_id"), _actions.c.done_at.is_(None))
    .values(done_at=bindparam("now"))
    .returning(_actions.c.id)
)
_ACTION_OF_PAIR = _action_of_pair()
_SERIES_OF_PAIR = _series_of_pair()
_END_SERIES = (
    update(_series)
    .where(_series.c.id == bindparam("series_id"), _series.c.active.is_(True))
    .values(active=False, ended_at=bindparam("now"), revision=_series.c.revision + 1)
    .returning(_series.c.id)
)
