"""What the next 1:1 holds, as both people see it: topics, carry-over, open actions, a question."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from bot.domain.agenda import NOTE_MAX_CHARS, clean_text
from bot.domain.cadence import Cadence, to_local
from bot.domain.meetings import MeetingStatus
from bot.domain.questions import question_by_key
from bot.domain.templates import TopicKind, shown_to_both
from bot.services import away
from bot.services.last_time import LastTime, StatusNudge, last_time_of, status_nudge
from bot.services.pairs import Actor, resolve_pair
from bot.services.pulse import PulseView, pulse_view
from bot.store import agenda as agenda_store
from bot.store import followups as followup_store
from bot.store import meetings as meeting_store
from bot.store import people
from bot.store import questions as questions_store
from bot.store import series as series_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Note, Pair, Person, Topic


@dataclass(frozen=True)
class TopicLine:
    id: int
    text: str
    author_user_id: str
    link: str | None = None  # the Slack message it was made from ("Add to 1:1 agenda")
    kind: TopicKind = TopicKind.PLAIN  # its template (bot/domain/templates.py)
    held_back: bool = False  # a concern only its author sees until the meeting starts


@dataclass(frozen=True)
class ActionLine:
    id: int
    text: str
    owner_user_id: str
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class AgendaView:
    viewer_user_id: str
    other_user_id: str
    report_user_id: str | None
    meeting_id: int | None
    starts_at: datetime | None
    timezone: str  # the viewer's
    topics: list[TopicLine]  # the report's first
    carried_over: list[TopicLine]
    actions: list[ActionLine]
    question: str | None = None
    my_notes: list[str] = field(default_factory=list)  # the viewer's own private notes, newest first
    # The first prompt after time away: the meetings just before this one that didn't happen (someone away).
    while_away: list[tuple[datetime, MeetingStatus]] = field(default_factory=list)
    # Coaching depth (issue 14): the question's key ("Not useful" retires it), the pair's pulse, what the
    # previous meeting agreed, and a nudge when the report's agenda is only status updates.
    question_key: str | None = None
    pulse: PulseView | None = None
    last_time: LastTime | None = None
    status_nudge: StatusNudge | None = None


@dataclass(frozen=True)
class PairLine:
    other_user_id: str
    i_am_manager: bool | None
    cadence: Cadence | None
    weekday: int | None
    local_time: time | None
    series_timezone: str | None
    next_starts_at: datetime | None
    held: int = 0  # of the last few meetings (HEALTH_WINDOW)
    skipped: int = 0
    missed: int = 0
    paused: bool = False  # while one of the two is deactivated in Slack (issue 15)


@dataclass(frozen=True)
class NoteAdded:
    other_user_id: str
    meeting_starts_at: datetime | None


def show_agenda(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None, timezone: str
) -> AgendaView:
    with sessions() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        meeting = meeting_store.next_meeting(session, pair.id, now)
        view = build_agenda(session, pair, me, meeting, now, timezone)
        # Private notes: in the author's own ephemeral view only, never in a prompt or summary.
        return replace(view, my_notes=list(agenda_store.own_notes(session, pair.id, me.id)))


def build_agenda(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime, timezone: str
) -> AgendaView:
    report_id = _report_id(pair)
    by_id = people.SlackIds(session, pair)
    topics = agenda_store.topics_for(session, pair.id, meeting, viewer.id, now)
    # A held-back concern shows to both once the meeting has started: then it is held back no longer.
    started = shown_to_both(meeting.starts_at if meeting else None, now)
    # The report's meeting: their topics lead (stable sort keeps each side in the order added).
    ordered = sorted(topics, key=lambda topic: topic.author_id != report_id)
    today = to_local(now, timezone).date()
    # The question suggestion is the pair's, but each person may turn it off for themselves (Settings).
    asked = meeting is not None and meeting.question_key and viewer.question_suggestions
    question = question_by_key(meeting.question_key) if asked and meeting and meeting.question_key else None
    if question is not None and question.key in questions_store.retired_keys(session, pair.id):
        question = None  # "Not useful" was said of it: not even this meeting's agenda shows it again
    return AgendaView(
        viewer_user_id=viewer.slack_user_id,
        other_user_id=pair.other(viewer.id).slack_user_id,
        report_user_id=by_id.get(report_id) if report_id else None,
        meeting_id=meeting.id if meeting else None,
        starts_at=meeting.starts_at if meeting else None,
        timezone=timezone,
        topics=[_line(topic, by_id, started) for topic in ordered],
        carried_over=[
            _line(t, by_id, started)
            for t in agenda_store.carried_over(session, pair.id, meeting, viewer.id, now)
        ],
        actions=[
            ActionLine(
                a.id, a.text, by_id[a.owner_id], a.due_date, a.due_date is not None and a.due_date < today
            )
            for a in agenda_store.open_actions(session, pair.id)
        ],
        question=question.text if question else None,
        while_away=_while_away(session, meeting),
        question_key=question.key if question else None,
        pulse=pulse_view(session, pair, viewer, meeting, now),
        last_time=last_time_of(session, pair, viewer, meeting, now),
        status_nudge=status_nudge(session, pair, viewer, meeting),
    )


def _while_away(session: Session, meeting: Meeting | None) -> list[tuple[datetime, MeetingStatus]]:
    found = away.while_away(session, meeting) if meeting is not None else None
    return found.meetings if found else []


def list_pairs(sessions: SessionFactory, now: datetime, actor: Actor) -> list[PairLine]:
    with sessions() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        if me is None:
            return []
        pairs = people.pairs_of(session, me)
        series_by_pair = series_store.active_series_of_pairs(session, [pair.id for pair in pairs])
        lines = []
        for pair in pairs:
            series = series_by_pair.get(pair.id)
            upcoming = meeting_store.next_meeting(session, pair.id, now)
            health = followup_store.health(session, pair.id, now)
            lines.append(
                PairLine(
                    other_user_id=pair.other(me.id).slack_user_id,
                    i_am_manager=None if pair.manager_id is None else pair.manager_id == me.id,
                    cadence=series.cadence if series else None,
                    weekday=series.weekday if series else None,
                    local_time=series.local_time if series else None,
                    series_timezone=series.timezone if series else None,
                    next_starts_at=upcoming.starts_at if upcoming else None,
                    held=health[MeetingStatus.HELD],
                    skipped=health[MeetingStatus.SKIPPED],
                    missed=health[MeetingStatus.MISSED],
                    paused=series is not None and series.paused_at is not None,
                )
            )
        # Soonest first; pairs with nothing scheduled last.
        return sorted(lines, key=lambda line: (line.next_starts_at is None, line.next_starts_at or now))


def add_note(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None, text: str
) -> NoteAdded:
    cleaned = clean_text(text, what="note", limit=NOTE_MAX_CHARS)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        meeting = meeting_store.next_meeting(session, pair.id, now)
        session.add(
            Note(
                pair_id=pair.id,
                meeting_id=meeting.id if meeting else None,
                author_id=me.id,
                text=cleaned,
                created_at=now,
            )
        )
        return NoteAdded(pair.other(me.id).slack_user_id, meeting.starts_at if meeting else None)


def _report_id(pair: Pair) -> int | None:
    if pair.manager_id is None:
        return None
    return pair.member_b_id if pair.manager_id == pair.member_a_id else pair.member_a_id


def _line(topic: Topic, by_id: dict[int, str], started: bool) -> TopicLine:
    held_back = topic.held_back and not started
    return TopicLine(topic.id, topic.text, by_id[topic.author_id], topic.link, topic.kind, held_back)
