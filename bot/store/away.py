"""Time away as stored: stretches people set, their Slack status, holiday places, out-of-office days.

`calendars` answers for a whole batch of people in three queries (their settings, their stretches, their
calendars' out-of-office days); public holidays are computed in Python and cached (bot/domain/away.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.domain.away import AwayCalendar, merged, status_days
from bot.domain.cadence import to_local
from bot.domain.meetings import MeetingStatus
from bot.store.batches import among
from bot.store.models import BusyInterval, Meeting, Person, TimeAway

FALLBACK_TIMEZONE = "UTC"  # bot/services/people.py's: the store may not import services


def calendars(
    session: Session, person_ids: Sequence[int], since: date, now: datetime
) -> dict[int, AwayCalendar]:
    """Each person's away calendar from `since` on (stretches ending earlier are left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    people = session.execute(
        select(
            Person.id,
            Person.timezone,
            Person.holiday_country,
            Person.holiday_region,
            Person.status_away_until,
        ).where(among(session, Person.id, ids))
    ).all()
    ranges: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for person_id, first, last in session.execute(
        select(TimeAway.person_id, TimeAway.first_day, TimeAway.last_day).where(
            among(session, TimeAway.person_id, ids), TimeAway.last_day >= since
        )
    ):
        ranges[person_id].append((first, last))
    zones = {row.id: row.timezone or FALLBACK_TIMEZONE for row in people}
    # Out-of-office days of their own calendar (all-day events, helper B's fetch stores them).
    starting = datetime.combine(since - timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    for person_id, starts_at, ends_at in session.execute(
        select(BusyInterval.person_id, BusyInterval.starts_at, BusyInterval.ends_at).where(
            among(session, BusyInterval.person_id, ids),
            BusyInterval.out_of_office.is_(True),
            BusyInterval.ends_at > starting,
        )
    ):
        zone = zones[person_id]
        last = to_local(ends_at - timedelta(microseconds=1), zone).date()
        ranges[person_id].append((to_local(starts_at, zone).date(), last))
    out = {}
    for row in people:
        first_status, last_status = status_days(row.status_away_until, now, zones[row.id])
        out[row.id] = AwayCalendar(
            timezone=zones[row.id],
            ranges=tuple(merged(ranges[row.id])),
            status_last_day=last_status,
            status_first_day=first_status,
            holiday_country=row.holiday_country,
            holiday_region=row.holiday_region,
        )
    return out


def away_days(
    session: Session, person_ids: Sequence[int], first: date, last: date, now: datetime
) -> dict[int, set[date]]:
    """The days each person is away between `first` and `last` (their own calendar's days)."""
    return {pid: cal.days(first, last) for pid, cal in calendars(session, person_ids, first, now).items()}


def stretches(session: Session, person_id: int, since: date) -> list[tuple[date, date]]:
    """The stretches of time away a person set that end on `since` or later, merged, in order."""
    rows = session.execute(
        select(TimeAway.first_day, TimeAway.last_day).where(
            TimeAway.person_id == person_id, TimeAway.last_day >= since
        )
    )
    return merged((first, last) for first, last in rows)


def set_stretch(
    session: Session, person_id: int, first: date, last: date, now: datetime
) -> tuple[date, date]:
    """Add a stretch, merged with the ones it overlaps or touches (one row each); returns the merged one."""
    day = timedelta(days=1)
    touching = session.scalars(
        select(TimeAway).where(
            TimeAway.person_id == person_id,
            TimeAway.first_day <= last + day,
            TimeAway.last_day >= first - day,
        )
    ).all()
    first = min([first, *(row.first_day for row in touching)])
    last = max([last, *(row.last_day for row in touching)])
    for row in touching:
        session.delete(row)
    session.add(TimeAway(person_id=person_id, first_day=first, last_day=last, created_at=now))
    session.flush()
    return first, last


def clear_from(session: Session, person_id: int, today: date) -> int:
    """`back`: stretches from today on are gone; one that began earlier is cut to end yesterday (history)."""
    cleared = session.execute(
        delete(TimeAway).where(TimeAway.person_id == person_id, TimeAway.first_day >= today)
    ).rowcount
    cut = session.execute(
        update(TimeAway)
        .where(TimeAway.person_id == person_id, TimeAway.first_day < today, TimeAway.last_day >= today)
        .values(last_day=today - timedelta(days=1))
    ).rowcount
    return int(cleared or 0) + int(cut or 0)


def mark_away(session: Session, meeting_ids: Sequence[int], now: datetime) -> None:
    """These scheduled meetings won't happen: someone is away. `revision` is the calendar feed's SEQUENCE,
    raised in the same statement (a bulk UPDATE bypasses the ORM's hook)."""
    if meeting_ids:
        session.execute(
            update(Meeting)
            .where(Meeting.id.in_(meeting_ids), Meeting.status == MeetingStatus.SCHEDULED)
            .values(status=MeetingStatus.AWAY, revision=Meeting.revision + 1, away_told_at=now)
            .execution_options(synchronize_session=False)
        )


def pair_meetings_between(
    session: Session, pair_id: int, start: datetime, end: datetime, statuses: Sequence[MeetingStatus]
) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.pair_id == pair_id,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
                Meeting.status.in_(statuses),
            )
            .order_by(Meeting.starts_at)
        )
    )


def before_in_pair(session: Session, pair_id: int, starts_at: datetime, limit: int = 20) -> list[Meeting]:
    """The pair's meetings before this instant, latest first."""
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.pair_id == pair_id, Meeting.starts_at < starts_at)
            .order_by(Meeting.starts_at.desc())
            .limit(limit)
        )
    )
