"""What a person's Home tab shows, each of their 1:1s from their side, and what its buttons do (issue 12,
part 1). A Home tab is published through the outbox (bot/store/home.py queues it, coalesced per person)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from bot.domain.cadence import Cadence, local_wall_time_to_utc, to_local
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import MeetingStatus, moved_start
from bot.services import series as series_service
from bot.services.agenda import ActionLine, AgendaView, build_agenda
from bot.services.pairs import Actor
from bot.services.people import FALLBACK_TIMEZONE
from bot.services.pulse import PulseView
from bot.services.series import MeetingChange
from bot.store import agenda as agenda_store
from bot.store import followups as followup_store
from bot.store import home as home_store
from bot.store import meetings as meeting_store
from bot.store import people
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Pair, Person, Series

# The 1:1s shown in full (a manager with many reports sees the soonest; the rest are counted and `/1on1
# list` has them all): bounds the work of one render and the view's blocks (bot/slack/blocks/home.py).
MAX_PAIRS = 15
NOT_YOURS = "That 1:1 isn't one of yours."  # the same for a missing id and someone else's


@dataclass(frozen=True)
class SeriesLine:
    series_id: int
    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str
    paused: bool = False  # while one of the two is deactivated in Slack (issue 15)


@dataclass(frozen=True)
class HomePair:
    """One 1:1 on the reader's Home tab, from the reader's side."""

    pair_id: int
    other_user_id: str
    i_lead: bool
    series: SeriesLine | None  # None: the series was ended
    next_meeting_id: int | None
    next_starts_at: datetime | None
    my_topics: int = 0  # on the next meeting's agenda, as the reader sees it
    their_topics: int = 0
    my_actions: list[ActionLine] = field(default_factory=list)  # open, soonest due first
    their_actions: list[ActionLine] = field(default_factory=list)
    last_held_at: datetime | None = None
    held: int = 0  # of the last HEALTH_WINDOW meetings
    skipped: int = 0
    missed: int = 0
    to_summarise: int | None = None  # the meeting "Write the summary" is for
    pulse: PulseView | None = None  # the pair's pulse trend (issue 14)


@dataclass(frozen=True)
class HomeView:
    user_id: str
    timezone: str
    pairs: list[HomePair]
    more: int = 0  # 1:1s not shown


@dataclass(frozen=True)
class RescheduleForm:
    pair_id: int
    other_user_id: str
    starts_at: datetime
    timezone: str  # the reader's: the form's date and time are in it


def load_home(session: Session, row: OutboxMessage, now: datetime) -> HomeView | None:
    """The outbox's loader: None (dropped) for someone gone, or who never opened the tab."""
    person = session.get(Person, row.recipient_id) if row.recipient_id is not None else None
    if person is None or person.home_opened_at is None:
        return None
    return home_of(session, person, now)


def home_of(session: Session, me: Person, now: datetime) -> HomeView:
    zone = me.timezone or FALLBACK_TIMEZONE
    pairs = people.pairs_of(session, me)
    upcoming = {pair.id: meeting_store.next_meeting(session, pair.id, now) for pair in pairs}
    # Soonest next meeting first; 1:1s with nothing scheduled last.
    pairs.sort(key=lambda pair: (upcoming[pair.id] is None, _start(upcoming[pair.id], now)))
    shown = pairs[:MAX_PAIRS]
    series_by_pair = series_store.active_series_of_pairs(session, [pair.id for pair in shown])
    lines = [
        _pair_line(session, me, pair, upcoming[pair.id], series_by_pair.get(pair.id), zone, now)
        for pair in shown
    ]
    return HomeView(me.slack_user_id, zone, lines, more=len(pairs) - len(shown))


def opened(sessions: SessionFactory, now: datetime, actor: Actor) -> None:
    """The person opened the Home tab: from now on it is kept current for them; it is published at once."""
    with sessions.begin() as session:
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        me.home_opened_at = now
        home_store.republish(session, [me.id], now)


def next_meeting_of_pair(sessions: SessionFactory, now: datetime, actor: Actor, pair_id: int) -> int:
    """The id of the pair's next meeting, for "Add a topic"."""
    with sessions() as session:
        me, pair = _mine(session, actor, pair_id)
        meeting = meeting_store.next_meeting(session, pair.id, now)
        if meeting is None:
            raise DomainError("There is no upcoming 1:1 with {} to add a topic to.", _other(pair, me))
        return meeting.id


def agenda_of_pair(sessions: SessionFactory, now: datetime, actor: Actor, pair_id: int) -> AgendaView:
    """The next meeting's agenda as the reader sees it, with their own private notes (their view alone)."""
    with sessions() as session:
        me, pair = _mine(session, actor, pair_id)
        meeting = meeting_store.next_meeting(session, pair.id, now)
        view = build_agenda(session, pair, me, meeting, now, me.timezone or FALLBACK_TIMEZONE)
        return replace(view, my_notes=list(agenda_store.own_notes(session, pair.id, me.id)))


def skip_next_of_pair(sessions: SessionFactory, now: datetime, actor: Actor, pair_id: int) -> MeetingChange:
    return series_service.skip_next(sessions, now, actor, _other_of(sessions, actor, pair_id))


def reschedule_form(sessions: SessionFactory, now: datetime, actor: Actor, pair_id: int) -> RescheduleForm:
    with sessions() as session:
        me, pair = _mine(session, actor, pair_id)
        meeting = meeting_store.next_meeting(session, pair.id, now)
        if meeting is None:
            raise DomainError("There is no upcoming 1:1 with {} to move.", _other(pair, me))
        return RescheduleForm(pair.id, _other(pair, me), meeting.starts_at, me.timezone or FALLBACK_TIMEZONE)


def reschedule_next_of_pair(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    pair_id: int,
    day: date,
    at: time,
    *,
    day_field: str,
    time_field: str,
) -> MeetingChange:
    """Move the pair's next meeting to `day` at `at` in the reader's zone; a refusal names its field."""
    with sessions() as session:
        me, pair = _mine(session, actor, pair_id)
        zone = me.timezone or FALLBACK_TIMEZONE
        other = _other(pair, me)
    try:
        moved_start(day, at, zone, now)
    except DomainError as error:
        # Today at a time gone by is the time's fault; a day gone by (or too far) is the day's.
        past_today = to_local(now, zone).date() == day and local_wall_time_to_utc(day, at, zone) <= now
        raise InvalidField(time_field if past_today else day_field, error.message) from None
    return series_service.reschedule_next(sessions, now, actor, other, day, at, zone)


def _pair_line(
    session: Session,
    me: Person,
    pair: Pair,
    meeting: Meeting | None,
    series: Series | None,
    zone: str,
    now: datetime,
) -> HomePair:
    agenda = build_agenda(session, pair, me, meeting, now, zone)
    health = followup_store.health(session, pair.id, now)
    other = _other(pair, me)
    mine = [topic for topic in agenda.topics if topic.author_user_id == me.slack_user_id]
    return HomePair(
        pair_id=pair.id,
        other_user_id=other,
        i_lead=pair.manager_id == me.id,
        series=_series_line(series),
        next_meeting_id=meeting.id if meeting else None,
        next_starts_at=meeting.starts_at if meeting else None,
        my_topics=len(mine),
        their_topics=len(agenda.topics) - len(mine),
        my_actions=[a for a in agenda.actions if a.owner_user_id == me.slack_user_id],
        their_actions=[a for a in agenda.actions if a.owner_user_id != me.slack_user_id],
        last_held_at=home_store.last_held_at(session, pair.id),
        held=health[MeetingStatus.HELD],
        skipped=health[MeetingStatus.SKIPPED],
        missed=health[MeetingStatus.MISSED],
        to_summarise=home_store.meeting_to_summarise(session, pair.id, now),
        pulse=agenda.pulse,
    )


def _series_line(series: Series | None) -> SeriesLine | None:
    if series is None:
        return None
    return SeriesLine(
        series.id,
        series.cadence,
        series.weekday,
        series.local_time,
        series.timezone,
        paused=series.paused_at is not None,
    )


def _mine(session: Session, actor: Actor, pair_id: int) -> tuple[Person, Pair]:
    """The actor and the pair, if it is one of theirs (a real 1:1); the same refusal otherwise."""
    pair = session.get(Pair, pair_id)
    me = people.find_person(session, actor.team_id, actor.user_id)
    if (
        pair is None
        or me is None
        or pair.manager_id is None
        or me.id not in (pair.member_a_id, pair.member_b_id)
    ):
        raise DomainError(NOT_YOURS)
    return me, pair


def _other_of(sessions: SessionFactory, actor: Actor, pair_id: int) -> str:
    with sessions() as session:
        me, pair = _mine(session, actor, pair_id)
        return _other(pair, me)


def _other(pair: Pair, me: Person) -> str:
    return pair.other(me.id).slack_user_id


def _start(meeting: Meeting | None, now: datetime) -> datetime:
    return meeting.starts_at if meeting else now
