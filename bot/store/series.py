"""Queries and writes for series and their meetings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence, Occurrence, SeriesRule
from bot.domain.meetings import MeetingStatus, prompt_time
from bot.store.batches import among
from bot.store.inserts import insert_ignoring_conflicts
from bot.store.models import Meeting, Note, Series, Topic


class SeriesTerms(Protocol):
    """What making a series' meeting rows reads of it: a Series, or a plain row of `series_to_extend`."""

    @property
    def id(self) -> int: ...
    @property
    def pair_id(self) -> int: ...
    @property
    def cadence(self) -> Cadence: ...
    @property
    def weekday(self) -> int: ...
    @property
    def local_time(self) -> time: ...
    @property
    def duration_minutes(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def first_date(self) -> date: ...
    @property
    def lead_minutes(self) -> int: ...
    @property
    def people_lead_minutes(self) -> int | None: ...
    @property
    def materialised_until(self) -> datetime: ...


_TERMS = (
    Series.id,
    Series.pair_id,
    Series.cadence,
    Series.weekday,
    Series.local_time,
    Series.duration_minutes,
    Series.timezone,
    Series.first_date,
    Series.lead_minutes,
    Series.people_lead_minutes,
    Series.materialised_until,
)


def rule_of(series: SeriesTerms) -> SeriesRule:
    return SeriesRule(
        cadence=series.cadence,
        weekday=series.weekday,
        local_time=series.local_time,
        duration_minutes=series.duration_minutes,
        timezone=series.timezone,
        first_date=series.first_date,
    )


def prompt_lead(series: SeriesTerms) -> timedelta:
    """How long before each meeting it is prompted: the earliest either person is asked (their own lead
    time, from Settings, when longer than the series')."""
    return lead_of(series.lead_minutes, series.people_lead_minutes)


def lead_of(lead_minutes: int, people_lead_minutes: int | None) -> timedelta:
    """`prompt_lead` from the two columns, as a command's one read gives them (bot/store/writes.py)."""
    return timedelta(minutes=max(lead_minutes, people_lead_minutes or 0))


def active_series(session: Session, pair_id: int) -> Series | None:
    return session.scalar(select(Series).where(Series.pair_id == pair_id, Series.active.is_(True)))


def active_series_of_pairs(session: Session, pair_ids: Sequence[int]) -> dict[int, Series]:
    found = session.scalars(select(Series).where(Series.pair_id.in_(pair_ids), Series.active.is_(True)))
    return {series.pair_id: series for series in found}


def meeting_rows(
    series: SeriesTerms, occurrences: Sequence[Occurrence], now: datetime
) -> list[dict[str, Any]]:
    """The series' occurrences as rows of the meeting table, for `add_meetings`."""
    lead = prompt_lead(series)
    return [
        {
            "series_id": series.id,
            "pair_id": series.pair_id,
            "local_date": occurrence.local_date,
            "starts_at": occurrence.starts_at,
            "ends_at": occurrence.ends_at,
            "prompt_at": prompt_time(occurrence.starts_at, lead),
            "status": MeetingStatus.SCHEDULED,
            "created_at": now,
        }
        for occurrence in occurrences
    ]


def add_meetings(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Store meeting rows (of one series or many); ones that already exist are left as they are."""
    return len(insert_ignoring_conflicts(session, Meeting.__table__, rows, ["series_id", "local_date"]))


def series_to_extend(session: Session, before: datetime, limit: int) -> Sequence[Row[Any]]:
    """Active series whose meetings run out before `before`, the shortest first, as plain rows of their
    terms (SeriesTerms); a paused one waits (it starts again from its resumption, never the past).

    The order is ix_series_to_extend's own, so each batch reads `limit` index entries instead of
    sorting every series still due (which made materialising 100,000 series quadratic). Rows, not ORM
    objects, and `extend_to` writes the batch back in a statement or two instead of one UPDATE each.
    """
    return session.execute(
        select(*_TERMS)
        .where(Series.active.is_(True), Series.materialised_until < before, Series.paused_at.is_(None))
        .order_by(Series.materialised_until, Series.id)
        .limit(limit)
    ).all()


def extend_to(session: Session, until: Mapping[int, datetime]) -> None:
    """Record how far each series' meetings now reach (series id -> instant): one UPDATE per instant,
    and nearly a whole batch shares one (the horizon from now)."""
    by_instant: dict[datetime, list[int]] = defaultdict(list)
    for series_id, instant in until.items():
        by_instant[instant].append(series_id)
    for instant, ids in by_instant.items():
        session.execute(
            update(Series)
            .where(among(session, Series.id, ids))
            .values(materialised_until=instant)
            .execution_options(synchronize_session=False)
        )


def cancel_future_meetings(session: Session, series_id: int, now: datetime) -> None:
    session.execute(
        update(Meeting)
        .where(
            Meeting.series_id == series_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
        )
        # A bulk UPDATE passes the revision hook by: the calendar feed's SEQUENCE rises here by hand.
        .values(status=MeetingStatus.CANCELLED, revision=Meeting.revision + 1)
    )


def scheduled_from(session: Session, series_id: int, since: datetime, now: datetime) -> list[Meeting]:
    """The series' scheduled meetings starting at `since` or later (and after `now`), soonest first, locked:
    an edit replans them."""
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.series_id == series_id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at >= since,
                Meeting.starts_at > now,
            )
            .order_by(Meeting.starts_at)
            .with_for_update()
        )
    )


def meetings_on(session: Session, series_id: int, days: Sequence[date]) -> dict[date, Meeting]:
    """The series' meetings (any status) on these local days, by day: a day holds at most one."""
    if not days:
        return {}
    found = session.scalars(
        select(Meeting).where(Meeting.series_id == series_id, Meeting.local_date.in_(days))
    )
    return {meeting.local_date: meeting for meeting in found}


def first_scheduled_after(session: Session, pair_id: int, instant: datetime) -> Meeting | None:
    """The pair's first scheduled meeting starting after `instant`, if any."""
    return session.scalar(
        select(Meeting)
        .where(
            Meeting.pair_id == pair_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > instant,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def move_agenda(session: Session, from_meeting_id: int, to: Meeting | None) -> None:
    """A dropped meeting's topics and notes go to `to` (None: the pair's next meeting, whenever it is)."""
    target = to.id if to else None
    for model in (Topic, Note):
        session.execute(
            update(model)
            .where(model.meeting_id == from_meeting_id)
            .values(meeting_id=target)
            .execution_options(synchronize_session=False)
        )
