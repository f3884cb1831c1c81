"""What an outgoing message says, gathered at delivery time from the ids its outbox row holds."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus
from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.slots import Attendee, Slot, describe
from bot.services.agenda import AgendaView, build_agenda
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import meetings as meeting_store
from bot.store import people
from bot.store.models import (
    ActionItem,
    Meeting,
    OutboxMessage,
    Pair,
    PendingTopic,
    Person,
    Series,
    Summary,
    Topic,
)


@dataclass(frozen=True)
class Choice:
    pair_id: int
    other_user_id: str
    next_starts_at: datetime | None


@dataclass(frozen=True)
class SummaryPart:
    author_user_id: str
    key_points: str


@dataclass(frozen=True)
class SummaryAction:
    id: int
    text: str
    owner_user_id: str
    due: date | None
    done: bool


@dataclass(frozen=True)
class SummaryView:
    meeting_id: int
    starts_at: datetime
    timezone: str  # for the fallback text; Slack shows each reader their own zone
    member_user_ids: tuple[str, str]
    parts: list[SummaryPart]
    actions: list[SummaryAction]
    covered: list[str]


@dataclass(frozen=True)
class Notice:
    kind: MessageKind
    timezone: str  # the recipient's
    by_user_id: str | None = None
    other_user_id: str | None = None
    starts_at: datetime | None = None
    next_starts_at: datetime | None = None
    cadence: Cadence | None = None
    weekday: int | None = None
    local_time: time | None = None
    series_timezone: str | None = None
    problem: str | None = None
    pending_id: int | None = None
    choices: list[Choice] = field(default_factory=list)
    meeting_id: int | None = None
    slots: list[Slot] = field(default_factory=list)
    nudge_number: int = 0


def load_prompt(session: Session, row: OutboxMessage, now: datetime) -> AgendaView | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    viewer = session.get(Person, row.recipient_id) if row.recipient_id else None
    if (
        meeting is None
        or viewer is None
        or meeting.status is not MeetingStatus.SCHEDULED
        or meeting.ends_at <= now
    ):
        return None  # cancelled, skipped or over before it could be sent
    pair = session.get(Pair, meeting.pair_id)
    assert pair is not None
    return build_agenda(session, pair, viewer, meeting, now, viewer.timezone or FALLBACK_TIMEZONE)


def load_summary(session: Session, row: OutboxMessage, now: datetime) -> SummaryView | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None:
        return None
    by_id = {pair.member_a_id: pair.member_a.slack_user_id, pair.member_b_id: pair.member_b.slack_user_id}
    summaries = session.scalars(select(Summary).where(Summary.meeting_id == meeting.id).order_by(Summary.id))
    actions = session.scalars(
        select(ActionItem).where(ActionItem.meeting_id == meeting.id).order_by(ActionItem.id)
    )
    covered = session.scalars(
        select(Topic.text)
        .where(Topic.meeting_id == meeting.id, Topic.status == TopicStatus.COVERED)
        .order_by(Topic.id)
    )
    recipient = session.get(Person, row.recipient_id) if row.recipient_id else pair.member_a
    return SummaryView(
        meeting_id=meeting.id,
        starts_at=meeting.starts_at,
        timezone=(recipient.timezone if recipient else None) or FALLBACK_TIMEZONE,
        member_user_ids=(pair.member_a.slack_user_id, pair.member_b.slack_user_id),
        parts=[SummaryPart(by_id[s.author_id], s.key_points) for s in summaries if s.key_points],
        actions=[
            SummaryAction(a.id, a.text, by_id[a.owner_id], a.due_date, a.done_at is not None) for a in actions
        ],
        covered=list(covered),
    )


def load_notice(session: Session, row: OutboxMessage, now: datetime) -> Notice | None:
    kind = MessageKind(row.kind)
    recipient = session.get(Person, row.recipient_id) if row.recipient_id else None
    zone = (recipient.timezone if recipient else None) or FALLBACK_TIMEZONE
    by = session.get(Person, row.params["by"]) if "by" in row.params else None
    base = Notice(kind=kind, timezone=zone, by_user_id=by.slack_user_id if by else None)
    loader = _LOADERS.get(kind)
    return loader(session, row, base, now) if loader else base


def _series_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
    series = session.get(Series, row.params["series_id"])
    if series is None:
        return None
    upcoming = meeting_store.next_meeting(session, series.pair_id, now) if series.active else None
    return _with(
        base,
        cadence=series.cadence,
        weekday=series.weekday,
        local_time=series.local_time,
        series_timezone=series.timezone,
        starts_at=upcoming.starts_at if upcoming else None,
    )


def _meeting_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    if meeting is None:
        return None
    if base.kind is MessageKind.MEETING_MOVED and meeting.status is not MeetingStatus.SCHEDULED:
        return None  # moved, then skipped or cancelled: the later notice says what counts
    upcoming = meeting_store.next_meeting(session, meeting.pair_id, now)
    return _with(base, starts_at=meeting.starts_at, next_starts_at=upcoming.starts_at if upcoming else None)


def _topic_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
    topic = session.get(Topic, row.params["topic_id"])
    pair = session.get(Pair, topic.pair_id) if topic else None
    if topic is None or pair is None:
        return None
    meeting = session.get(Meeting, topic.meeting_id) if topic.meeting_id else None
    return _with(
        base,
        other_user_id=pair.other(topic.author_id).slack_user_id,
        starts_at=meeting.starts_at if meeting else None,
    )


def _choice_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
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
    return _with(base, pending_id=pending.id, choices=choices, timezone=author.timezone or FALLBACK_TIMEZONE)


def _after_meeting_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None or row.recipient_id is None:
        return None
    if base.kind is MessageKind.FOLLOW_UP and meeting.status not in (
        MeetingStatus.SCHEDULED,
        MeetingStatus.HELD,
    ):
        return None  # skipped or cancelled meanwhile
    if base.kind is MessageKind.NUDGE and (
        meeting.status is not MeetingStatus.SCHEDULED or not meeting.offered_slots
    ):
        return None  # rebooked, skipped or recorded meanwhile
    members = [pair.member_a, pair.member_b]
    attendees = [Attendee(p.slack_user_id, p.timezone or FALLBACK_TIMEZONE) for p in members]
    slots = [describe(datetime.fromtimestamp(epoch, UTC), attendees) for epoch in meeting.offered_slots or []]
    return _with(
        base,
        meeting_id=meeting.id,
        other_user_id=pair.other(row.recipient_id).slack_user_id,
        starts_at=meeting.starts_at,
        slots=slots,
        nudge_number=meeting.nudge_count,
    )


def _added_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice | None:
    summary = session.get(Summary, row.params["summary_id"])
    author = session.get(Person, summary.author_id) if summary else None
    return _with(base, by_user_id=author.slack_user_id) if author else None


def _problem_notice(session: Session, row: OutboxMessage, base: Notice, now: datetime) -> Notice:
    return _with(base, problem=str(row.params.get("problem", "")))


def _with(base: Notice, **changes: object) -> Notice:
    return replace(base, **changes)  # type: ignore[arg-type]


_LOADERS = {
    MessageKind.SERIES_ANNOUNCED: _series_notice,
    MessageKind.SERIES_CANCELLED: _series_notice,
    MessageKind.MEETING_SKIPPED: _meeting_notice,
    MessageKind.MEETING_MOVED: _meeting_notice,
    MessageKind.TOPIC_CONFIRMED: _topic_notice,
    MessageKind.WHICH_MEETING: _choice_notice,
    MessageKind.NO_MEETING: _problem_notice,
    MessageKind.FOLLOW_UP: _after_meeting_notice,
    MessageKind.NUDGE: _after_meeting_notice,
    MessageKind.MEETING_REBOOKED: _after_meeting_notice,
    MessageKind.SUMMARY_ADDED: _added_notice,
}
