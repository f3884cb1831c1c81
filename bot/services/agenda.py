"""What the next 1:1 holds, as both people see it: topics, carry-over, open actions, a question."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol

from sqlalchemy.orm import Session

from bot.domain.agenda import NOTE_MAX_CHARS, clean_text
from bot.domain.cadence import Cadence, to_local
from bot.domain.meetings import MeetingStatus
from bot.domain.questions import Question, question_by_key
from bot.domain.templates import TopicKind, shown_to_both
from bot.services import away
from bot.services.last_time import (
    LastTime,
    NudgeAsk,
    StatusNudge,
    last_time_from,
    last_time_of,
    nudge_of,
    status_nudge,
)
from bot.services.pairs import (
    SEVERAL_SHOWN,
    Actor,
    check_not_self,
    no_pair_with,
    no_pairs,
    several_pairs,
)
from bot.services.people import ZoneRule
from bot.services.pulse import PulseView, check_in_of, i_lead, pulse_of, pulse_view
from bot.store import agenda as agenda_store
from bot.store import people, reads
from bot.store import questions as questions_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Note, Pair, Person


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
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    caller_zone: ZoneRule | str,
) -> AgendaView:
    """`/1on1 agenda` and `actions`: one transaction of two statements (bot/store/reads.py), the caller's
    cached zone judged by `caller_zone` between them (it raises NotCached before the ack when there is none;
    a zone already known is given as it is). What `build_agenda` shows, read at once, not query by query."""
    check_not_self(actor, other_user_id)
    with sessions() as session:
        found = reads.mine(
            session, actor.team_id, actor.user_id, other_user_id, now, limit=SEVERAL_SHOWN + 1, agenda=True
        )
        mine = only_one(found, other_user_id)
        zone = zone_from(caller_zone, mine)
        items = reads.agenda_items(
            session,
            pair_id=mine.pair_id,
            viewer_id=mine.me_id,
            meeting_id=mine.meeting_id,
            meeting_starts_at=mine.meeting_starts_at,
            previous_id=mine.previous_id,
            previous_ends_at=mine.previous_ends_at,
            shown=shown_to_both(mine.meeting_starts_at, now),
        )
    return agenda_of(mine, items, actor.user_id, now, zone)


def zone_from(caller_zone: ZoneRule | str, mine: reads.Mine) -> str:
    """The caller's zone: given as it is, or `caller_zone`'s judgement of the one `mine` read."""
    return (
        caller_zone
        if isinstance(caller_zone, str)
        else caller_zone(mine.my_timezone, mine.my_timezone_checked_at)
    )


def only_one(found: list[reads.Mine], other_user_id: str | None) -> reads.Mine:
    """`resolve_pair`'s answer from `reads.mine`'s rows: the one 1:1, or why there is none."""
    if other_user_id is not None and not found:
        raise no_pair_with(other_user_id)
    if not found:
        raise no_pairs()
    if len(found) > 1:
        raise several_pairs([mine.other_user_id for mine in found])
    return found[0]


def build_agenda(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime, timezone: str
) -> AgendaView:
    report_id = _report(pair.manager_id, pair.member_a_id, pair.member_b_id)
    by_id = people.SlackIds(session, pair)
    topics = agenda_store.topics_for(session, pair.id, meeting, viewer.id, now)
    # A held-back concern shows to both once the meeting has started: then it is held back no longer.
    started = shown_to_both(meeting.starts_at if meeting else None, now)
    # The report's meeting: their topics lead (stable sort keeps each side in the order added).
    ordered = sorted(topics, key=lambda topic: topic.author_id != report_id)
    today = to_local(now, timezone).date()
    question = _question(
        meeting.question_key if meeting else None,
        viewer.question_suggestions,
        lambda: questions_store.retired_keys(session, pair.id),
    )
    return AgendaView(
        viewer_user_id=viewer.slack_user_id,
        other_user_id=pair.other(viewer.id).slack_user_id,
        report_user_id=by_id.get(report_id) if report_id else None,
        meeting_id=meeting.id if meeting else None,
        starts_at=meeting.starts_at if meeting else None,
        timezone=timezone,
        topics=[_line(topic, by_id[topic.author_id], started) for topic in ordered],
        carried_over=[
            _line(t, by_id[t.author_id], started)
            for t in agenda_store.carried_over(session, pair.id, meeting, viewer.id, now)
        ],
        actions=[
            _action(a.id, a.text, by_id[a.owner_id], a.due_date, today)
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


def your_pairs(
    sessions: SessionFactory, now: datetime, actor: Actor, caller_zone: ZoneRule | str
) -> tuple[list[PairLine], str]:
    """`/1on1 list`: the caller's 1:1s, soonest first, and the zone to show them in. One transaction of two
    statements: the 1:1s with their series, next meeting and the caller's cached zone; then how each went
    (with none, the caller's own row instead: their zone is asked for all the same, as it always was)."""
    with sessions() as session:
        found = reads.mine(session, actor.team_id, actor.user_id, None, now, limit=None, series=True)
        if not found:
            return [], _own_zone(session, actor, caller_zone)
        zone = zone_from(caller_zone, found[0])
        health = reads.health(session, [mine.pair_id for mine in found], now)
    lines = [_pair_line(mine, health.get(mine.pair_id, {})) for mine in found]
    # Soonest first; pairs with nothing scheduled last.
    return sorted(lines, key=lambda line: (line.next_starts_at is None, line.next_starts_at or now)), zone


def _own_zone(session: Session, actor: Actor, caller_zone: ZoneRule | str) -> str:
    if isinstance(caller_zone, str):
        return caller_zone
    me = reads.me_alone(session, actor.team_id, actor.user_id)
    return caller_zone(me.timezone if me else None, me.timezone_checked_at if me else None)


def _pair_line(mine: reads.Mine, health: dict[MeetingStatus, int]) -> PairLine:
    return PairLine(
        other_user_id=mine.other_user_id,
        i_am_manager=None if mine.manager_id is None else mine.manager_id == mine.me_id,
        cadence=mine.cadence,
        weekday=mine.weekday,
        local_time=mine.local_time,
        series_timezone=mine.series_timezone,
        next_starts_at=mine.meeting_starts_at,
        held=health.get(MeetingStatus.HELD, 0),
        skipped=health.get(MeetingStatus.SKIPPED, 0),
        missed=health.get(MeetingStatus.MISSED, 0),
        paused=mine.paused,
    )


def add_note(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None, text: str
) -> NoteAdded:
    """One transaction of two statements (and the request's record, at its commit): the caller's 1:1 with
    its next meeting in one read, then the note."""
    cleaned = clean_text(text, what="note", limit=NOTE_MAX_CHARS)
    check_not_self(actor, other_user_id)
    with sessions.begin() as session:
        found = reads.mine(session, actor.team_id, actor.user_id, other_user_id, now, limit=SEVERAL_SHOWN + 1)
        mine = only_one(found, other_user_id)
        session.add(
            Note(
                pair_id=mine.pair_id,
                meeting_id=mine.meeting_id,
                author_id=mine.me_id,
                text=cleaned,
                created_at=now,
            )
        )
        return NoteAdded(mine.other_user_id, mine.meeting_starts_at)


# --- the agenda's own rules, for both paths ----------------------------------------------------------------


def _report(manager_id: int | None, one_id: int, other_id: int) -> int | None:
    """The pair's report: the one of the two who isn't the manager (None: no manager)."""
    if manager_id is None:
        return None
    return other_id if manager_id == one_id else one_id


class _Topic(Protocol):
    """A topic as both paths have it: the ORM's Topic, or bot/store/reads.py TopicRow."""

    @property
    def id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def link(self) -> str | None: ...
    @property
    def kind(self) -> TopicKind: ...
    @property
    def held_back(self) -> bool: ...


def _line(topic: _Topic, author_user_id: str, started: bool) -> TopicLine:
    # A held-back concern shows to both once the meeting has started: then it is held back no longer.
    held_back = topic.held_back and not started
    return TopicLine(topic.id, topic.text, author_user_id, topic.link, topic.kind, held_back)


def _action(action_id: int, text: str, owner_user_id: str, due: date | None, today: date) -> ActionLine:
    return ActionLine(action_id, text, owner_user_id, due, due is not None and due < today)


def _question(key: str | None, suggestions: bool, retired: Callable[[], Collection[str]]) -> Question | None:
    """The meeting's question (`key`), unless the viewer turned suggestions off or the pair retired it."""
    # The question suggestion is the pair's, but each person may turn it off for themselves (Settings).
    if not (key and suggestions):
        return None
    question = question_by_key(key)
    if question is not None and question.key in retired():
        return None  # "Not useful" was said of it: not even this meeting's agenda shows it again
    return question


# --- `show_agenda`'s view, from what bot/store/reads.py read -----------------------------------------------
# The rules `build_agenda` applies through pulse.py, last_time.py and away.py, each a pure function there
# (`pulse_of`, `check_in_of`, `last_time_from`, `nudge_of`, `away_streak`), given rows already read instead
# of a query each.


def agenda_of(
    mine: reads.Mine, items: reads.AgendaItems, my_user_id: str, now: datetime, zone: str
) -> AgendaView:
    report_id = _report(mine.manager_id, mine.me_id, mine.other_id)
    by_id = {mine.me_id: my_user_id, mine.other_id: mine.other_user_id}
    started = shown_to_both(mine.meeting_starts_at, now)
    today = to_local(now, zone).date()
    question = _question(mine.meeting_question_key, mine.my_question_suggestions, lambda: items.retired)
    return AgendaView(
        viewer_user_id=my_user_id,
        other_user_id=mine.other_user_id,
        report_user_id=by_id.get(report_id) if report_id else None,
        meeting_id=mine.meeting_id,
        starts_at=mine.meeting_starts_at,
        timezone=zone,
        # The report's meeting: their topics lead (stable sort keeps each side in the order added).
        topics=[
            _line(t, t.author_user_id, started)
            for t in sorted(items.topics, key=lambda topic: topic.author_id != report_id)
        ],
        carried_over=[_line(t, t.author_user_id, started) for t in items.carried_over],
        actions=[_action(a.id, a.text, a.owner_user_id, a.due, today) for a in items.actions],
        question=question.text if question else None,
        my_notes=items.own_notes,  # private: only in the author's own view, never a prompt or summary
        while_away=away.away_streak(items.before) if mine.meeting_id is not None else [],
        question_key=question.key if question else None,
        pulse=_pulse_of(mine, items, my_user_id, now),
        last_time=_last_time_of(mine, items),
        status_nudge=_nudge_of(mine, items, report_id, by_id),
    )


def _pulse_of(mine: reads.Mine, items: reads.AgendaItems, my_user_id: str, now: datetime) -> PulseView | None:
    check_in = (
        None
        if mine.meeting_id is None or mine.meeting_status is None or mine.meeting_starts_at is None
        else check_in_of(
            mine.meeting_id,
            mine.meeting_status,
            mine.meeting_starts_at,
            now,
            i_lead(mine.manager_id, mine.me_id),
            mine.my_pulse_as_report,
            mine.my_pulse_as_manager,
            mine.me_id,
            items.checks,
            own=lambda: items.own_check,
        )
    )
    user_ids = {mine.me_id: my_user_id, mine.other_id: mine.other_user_id}
    return pulse_of(items.checks, check_in, mine.manager_id, mine.me_id, user_ids.__getitem__)


def _last_time_of(mine: reads.Mine, items: reads.AgendaItems) -> LastTime | None:
    if mine.previous_id is None or mine.previous_starts_at is None:
        return None  # no previous meeting held and summarised
    return last_time_from(
        mine.previous_id,
        mine.previous_starts_at,
        items.key_points,
        done_since=items.done_since,
        not_covered=items.not_covered,
    )


def _nudge_of(
    mine: reads.Mine, items: reads.AgendaItems, report_id: int | None, by_id: dict[int, str]
) -> StatusNudge | None:
    """The report's topics as last_time.py `status_nudge` reads them: as the viewer sees them whether or not
    the meeting started (another's held-back concern aside)."""
    if mine.meeting_id is None or report_id is None:
        return None
    topics = [
        (t.text, t.kind)
        for t in (*items.topics, *items.carried_over)
        if t.author_id == report_id and not (t.held_back and t.author_id != mine.me_id)
    ]
    ask = NudgeAsk(
        mine.my_question_suggestions,
        mine.meeting_question_key,
        f"{mine.pair_id}:{mine.meeting_id}",
        history=lambda: items.question_history,
        retired=lambda: items.retired,
    )
    return nudge_of(by_id[report_id], topics, ask)
