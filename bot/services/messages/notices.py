"""Notices: a series set up or ended, a meeting skipped or moved, replies to a topic sent by DM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.services.messages.common import acting_user_id, recipient_zone
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import meetings as meeting_store
from bot.store import people
from bot.store.models import Meeting, OutboxMessage, Pair, PendingTopic, Person, Series, Topic


@dataclass(frozen=True)
class SeriesAnnounced:
    timezone: str  # the recipient's
    by_user_id: str
    cadence: Cadence
    weekday: int
    local_time: time
    series_timezone: str
    first_starts_at: datetime | None  # the next meeting; None once the series has ended


@dataclass(frozen=True)
class SeriesCancelled:
    by_user_id: str
    cadence: Cadence


@dataclass(frozen=True)
class MeetingSkipped:
    timezone: str
    by_user_id: str
    starts_at: datetime
    next_starts_at: datetime | None


@dataclass(frozen=True)
class MeetingMoved:
    timezone: str
    by_user_id: str
    starts_at: datetime


@dataclass(frozen=True)
class TopicConfirmed:
    timezone: str
    other_user_id: str
    starts_at: datetime | None  # None: on the pair's shared agenda, no meeting scheduled yet


@dataclass(frozen=True)
class Choice:
    pair_id: int
    other_user_id: str
    next_starts_at: datetime | None


@dataclass(frozen=True)
class WhichMeeting:
    timezone: str  # the topic's author's
    pending_id: int
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class NoMeeting:
    problem: str  # a `DomainError`'s plain words, a `{}` for each person it names
    people: tuple[str, ...]  # their Slack ids, in order


def load_series_announced(session: Session, row: OutboxMessage, now: datetime) -> SeriesAnnounced | None:
    series = session.get(Series, row.params["series_id"])
    if series is None:
        return None
    upcoming = meeting_store.next_meeting(session, series.pair_id, now) if series.active else None
    return SeriesAnnounced(
        timezone=recipient_zone(session, row),
        by_user_id=acting_user_id(session, row),
        cadence=series.cadence,
        weekday=series.weekday,
        local_time=series.local_time,
        series_timezone=series.timezone,
        first_starts_at=upcoming.starts_at if upcoming else None,
    )


def load_series_cancelled(session: Session, row: OutboxMessage, now: datetime) -> SeriesCancelled | None:
    series = session.get(Series, row.params["series_id"])
    return SeriesCancelled(acting_user_id(session, row), series.cadence) if series else None


def load_meeting_skipped(session: Session, row: OutboxMessage, now: datetime) -> MeetingSkipped | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    if meeting is None:
        return None
    upcoming = meeting_store.next_meeting(session, meeting.pair_id, now)
    return MeetingSkipped(
        timezone=recipient_zone(session, row),
        by_user_id=acting_user_id(session, row),
        starts_at=meeting.starts_at,
        next_starts_at=upcoming.starts_at if upcoming else None,
    )


def load_meeting_moved(session: Session, row: OutboxMessage, now: datetime) -> MeetingMoved | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
        return None  # moved, then skipped or cancelled: the later notice says what counts
    return MeetingMoved(recipient_zone(session, row), acting_user_id(session, row), meeting.starts_at)


def load_topic_confirmed(session: Session, row: OutboxMessage, now: datetime) -> TopicConfirmed | None:
    topic = session.get(Topic, row.params["topic_id"])
    pair = session.get(Pair, topic.pair_id) if topic else None
    if topic is None or pair is None:
        return None
    meeting = session.get(Meeting, topic.meeting_id) if topic.meeting_id else None
    return TopicConfirmed(
        timezone=recipient_zone(session, row),
        other_user_id=pair.other(topic.author_id).slack_user_id,
        starts_at=meeting.starts_at if meeting else None,
    )


def load_which_meeting(session: Session, row: OutboxMessage, now: datetime) -> WhichMeeting | None:
    pending = session.get(PendingTopic, row.params["pending_id"])
    author = session.get(Person, pending.author_id) if pending else None
    if pending is None or author is None:
        return None  # already placed
    choices = []
    for pair in people.pairs_of(session, author):
        upcoming = meeting_store.next_meeting(session, pair.id, now)
        choices.append(
            Choice(pair.id, pair.other(author.id).slack_user_id, upcoming.starts_at if upcoming else None)
        )
    return WhichMeeting(author.timezone or FALLBACK_TIMEZONE, pending.id, tuple(choices))


def load_no_meeting(session: Session, row: OutboxMessage, now: datetime) -> NoMeeting:
    return NoMeeting(str(row.params.get("problem", "")), tuple(row.params.get("people", ())))
