"""The calendar feed's reads and its one write: whose feed a token opens, and what goes in it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.store import revisions  # noqa: F401  (registers the hook that keeps SEQUENCE rising)
from bot.store.models import Meeting, Pair, Person, Series, Workspace


@dataclass(frozen=True)
class MeetingRow:
    id: int
    series_id: int
    local_date: date
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    revision: int
    created_at: datetime


@dataclass(frozen=True)
class SeriesRow:
    series: Series
    other_user_id: str
    other_name: str | None  # as Slack shows it, when the bot has seen it
    role: str  # "report" when the feed's owner leads the pair, "manager" when the other does, "" unknown
    meetings: list[MeetingRow]


def owner_of(session: Session, token_hash: str) -> tuple[Person, str] | None:
    """The person whose feed the token opens, and their workspace's Slack team id."""
    row = session.execute(
        select(Person, Workspace.slack_team_id)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(Person.calendar_token_hash == token_hash)
    ).first()
    return (row[0], row[1]) if row else None


def series_of(session: Session, person_id: int) -> list[SeriesRow]:
    """Every series (running or ended) of the person's pairs, with its meetings: ids, times and statuses
    only; nobody's words are read."""
    rows = session.execute(
        select(Series, Pair)
        .join(Pair, Pair.id == Series.pair_id)
        .where(or_(Pair.member_a_id == person_id, Pair.member_b_id == person_id))
        .order_by(Series.id)
    ).all()
    if not rows:
        return []
    others = {pair.member_b_id if pair.member_a_id == person_id else pair.member_a_id for _, pair in rows}
    found_others = session.execute(
        select(Person.id, Person.slack_user_id, Person.display_name).where(Person.id.in_(others))
    ).all()
    slack_ids = {row.id: row.slack_user_id for row in found_others}
    names = {row.id: row.display_name for row in found_others}
    meetings: dict[int, list[MeetingRow]] = defaultdict(list)
    found = session.execute(
        select(
            Meeting.id,
            Meeting.series_id,
            Meeting.local_date,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.status,
            Meeting.revision,
            Meeting.created_at,
        )
        .where(Meeting.series_id.in_([series.id for series, _ in rows]))
        .order_by(Meeting.series_id, Meeting.local_date)
    )
    for row in found:
        meetings[row.series_id].append(MeetingRow(*row))
    result = []
    for series, pair in rows:
        other = pair.member_b_id if pair.member_a_id == person_id else pair.member_a_id
        role = "report" if pair.manager_id == person_id else "manager" if pair.manager_id == other else ""
        result.append(SeriesRow(series, slack_ids[other], names[other], role, meetings[series.id]))
    return result
