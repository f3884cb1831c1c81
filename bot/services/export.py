"""A person's export, as plain data: everything they may see of their 1:1s, read from the database in pages.

What one may see: their own private topics and the shared ones (never the other person's private topics;
a held-back concern of the other's only once its meeting started), summaries and template outcomes of
topics they may see, action items, the pair's pulse checks (both people's scores are shown to both), and
their OWN notes, never the other person's. An erased person is "a former participant", with no id.

Meetings come a page at a time (`MEETING_PAGE`), each page's topics, summaries, actions, pulse and notes in
one query per table, so 500 meetings never sit in memory at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.domain.agenda import Visibility
from bot.domain.errors import DomainError
from bot.domain.names import FORMER_PARTICIPANT, is_placeholder
from bot.domain.outbox import MessageKind
from bot.domain.templates import visible_to
from bot.services.pairs import Actor, resolve_pair
from bot.store import outbox
from bot.store import people as people_store
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    Meeting,
    Note,
    Pair,
    Person,
    PulseCheck,
    Series,
    Summary,
    TemplateOutcome,
    Topic,
)

SCHEMA = "oneonone-export/1"
MEETING_PAGE = 100


@dataclass(frozen=True)
class PersonRef:
    slack_user_id: str | None  # None for an erased person
    name: str | None  # their Slack display name when known; "a former participant" for an erased person


@dataclass(frozen=True)
class SeriesData:
    id: int
    cadence: str
    weekday: int
    local_time: time
    duration_minutes: int
    timezone: str
    first_date: date
    active: bool
    paused: bool
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class TopicData:
    id: int
    text: str
    author: PersonRef
    visibility: str
    status: str
    kind: str
    link: str | None
    created_at: datetime


@dataclass(frozen=True)
class OutcomeData:
    topic_id: int
    step: str
    text: str


@dataclass(frozen=True)
class SummaryData:
    author: PersonRef
    key_points: str
    created_at: datetime
    outcomes: tuple[OutcomeData, ...]


@dataclass(frozen=True)
class ActionData:
    id: int
    text: str
    owner: PersonRef
    created_by: PersonRef
    due_date: date | None
    done_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class PulseData:
    person: PersonRef
    happy: int | None
    challenged: int | None
    stressed: int | None
    engaged: int | None
    updated_at: datetime


@dataclass(frozen=True)
class NoteData:
    text: str
    created_at: datetime


@dataclass(frozen=True)
class MeetingData:
    id: int
    series_id: int
    local_date: date
    starts_at: datetime
    ends_at: datetime
    status: str
    topics: tuple[TopicData, ...]
    summaries: tuple[SummaryData, ...]
    action_items: tuple[ActionData, ...]
    pulse: tuple[PulseData, ...]
    my_notes: tuple[NoteData, ...]


@dataclass(frozen=True)
class Loose:
    """What belongs to the pair but to no meeting (yet): topics, action items, notes."""

    topics: tuple[TopicData, ...]
    action_items: tuple[ActionData, ...]
    my_notes: tuple[NoteData, ...]


@dataclass(frozen=True)
class Export:
    """The header of an export; its 1:1s come from `one_on_ones`, each with meetings read a page at a time."""

    person: PersonRef
    timezone: str
    generated_at: datetime
    pair_ids: tuple[int, ...]


@dataclass(frozen=True)
class OneOnOne:
    pair_id: int
    with_person: PersonRef
    manager: PersonRef | None
    series: tuple[SeriesData, ...]


class NothingToExport(Exception):
    """The person is unknown, or has no 1:1 (with the person named)."""


@dataclass(frozen=True)
class ExportQueued:
    with_user_id: str | None  # the other person, when the export is about one 1:1
    queued: bool  # False: the same request was already queued


def request_export(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None
) -> ExportQueued:
    """Queue the person's export (all their 1:1s, or the one with `other_user_id`) for delivery to their DM.

    The key carries the moment asked, so asking again later makes a new export; a retry of the same
    command is turned away by its record (bot/slack/dedup.py keys requests by trigger id): its transaction,
    this export with it, is undone.
    """
    with sessions.begin() as session:
        if other_user_id is not None:
            me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
            pair_id: int | None = pair.id
        else:
            found = people_store.find_person(session, actor.team_id, actor.user_id)
            if found is None or not people_store.pairs_of(session, found):
                raise DomainError("You don't have any 1:1s yet, so there is nothing to export.")
            me, pair_id = found, None
        params: dict[str, Any] = {"person": me.id} | ({"pair": pair_id} if pair_id is not None else {})
        queued = outbox.enqueue(
            session,
            key=f"export:{me.id}:{pair_id or 'all'}:{now.isoformat()}",
            kind=MessageKind.EXPORT,
            now=now,
            recipient_id=me.id,
            params=params,
        )
        return ExportQueued(other_user_id, queued)


def start(session: Session, person_id: int, pair_id: int | None, now: datetime) -> Export:
    """The export's header: whose, and which 1:1s (all of theirs, or the one named)."""
    me = session.get(Person, person_id)
    if me is None:
        raise NothingToExport
    pairs = [p.id for p in people_store.pairs_of(session, me)]
    if pair_id is not None:
        pairs = [p for p in pairs if p == pair_id]
    return Export(ref(me), me.timezone or "UTC", now, tuple(pairs))


def one_on_ones(session: Session, export: Export, viewer_id: int) -> Iterator[OneOnOne]:
    for pair_id in export.pair_ids:
        pair = session.get(Pair, pair_id)
        if pair is None:
            continue
        series = session.scalars(select(Series).where(Series.pair_id == pair_id).order_by(Series.id))
        manager = session.get(Person, pair.manager_id) if pair.manager_id else None
        yield OneOnOne(
            pair_id,
            ref(pair.other(viewer_id)),
            ref(manager) if manager else None,
            tuple(_series(s) for s in series),
        )


def meetings(session: Session, pair_id: int, viewer_id: int, now: datetime) -> Iterator[MeetingData]:
    """The pair's meetings, oldest first, a page at a time (keyset on (starts_at, id))."""
    after: tuple[datetime, int] | None = None
    while True:
        query = select(Meeting).where(Meeting.pair_id == pair_id)
        if after is not None:
            query = query.where(
                (Meeting.starts_at > after[0]) | ((Meeting.starts_at == after[0]) & (Meeting.id > after[1]))
            )
        page = list(session.scalars(query.order_by(Meeting.starts_at, Meeting.id).limit(MEETING_PAGE)))
        if not page:
            return
        yield from _page(session, page, viewer_id, now)
        # Nothing of this page is kept: the session's identity map holds its rows weakly, so they go.
        after = (page[-1].starts_at, page[-1].id)


def loose(session: Session, pair_id: int, viewer_id: int) -> Loose:
    names = _Names(session)
    topics = session.scalars(
        select(Topic).where(Topic.pair_id == pair_id, Topic.meeting_id.is_(None)).order_by(Topic.id)
    )
    actions = session.scalars(
        select(ActionItem)
        .where(ActionItem.pair_id == pair_id, ActionItem.meeting_id.is_(None))
        .order_by(ActionItem.id)
    )
    notes = session.scalars(
        select(Note)
        .where(Note.pair_id == pair_id, Note.meeting_id.is_(None), Note.author_id == viewer_id)
        .order_by(Note.id)
    )
    return Loose(
        tuple(_topic(t, names) for t in topics if _may_see(t, viewer_id, started=False)),
        tuple(_action(a, names) for a in actions),
        tuple(NoteData(n.text, n.created_at) for n in notes),
    )


def ref(person: Person) -> PersonRef:
    if person.erased_at is not None or is_placeholder(person.slack_user_id):
        return PersonRef(None, FORMER_PARTICIPANT)
    return PersonRef(person.slack_user_id, person.display_name)


# ---------------------------------------------------------------------------- one page of meetings


def _page(session: Session, page: Sequence[Meeting], viewer_id: int, now: datetime) -> Iterator[MeetingData]:
    ids = [m.id for m in page]
    names = _Names(session)
    topics = _by_meeting(session, select(Topic).where(Topic.meeting_id.in_(ids)).order_by(Topic.id))
    summaries = _by_meeting(session, select(Summary).where(Summary.meeting_id.in_(ids)).order_by(Summary.id))
    actions = _by_meeting(
        session, select(ActionItem).where(ActionItem.meeting_id.in_(ids)).order_by(ActionItem.id)
    )
    pulse = _by_meeting(
        session, select(PulseCheck).where(PulseCheck.meeting_id.in_(ids)).order_by(PulseCheck.id)
    )
    notes = _by_meeting(
        session,
        select(Note).where(Note.meeting_id.in_(ids), Note.author_id == viewer_id).order_by(Note.id),
    )
    summary_ids = [s.id for rows in summaries.values() for s in rows]
    outcomes: dict[int, list[TemplateOutcome]] = defaultdict(list)
    for outcome in session.scalars(
        select(TemplateOutcome)
        .where(TemplateOutcome.summary_id.in_(summary_ids))
        .order_by(TemplateOutcome.id)
    ):
        outcomes[outcome.summary_id].append(outcome)
    for meeting in page:
        started = meeting.starts_at <= now
        seen = [t for t in topics[meeting.id] if _may_see(t, viewer_id, started=started)]
        seen_ids = {t.id for t in seen}
        yield MeetingData(
            meeting.id,
            meeting.series_id,
            meeting.local_date,
            meeting.starts_at,
            meeting.ends_at,
            str(meeting.status),
            tuple(_topic(t, names) for t in seen),
            tuple(
                SummaryData(
                    names.ref(s.author_id),
                    s.key_points,
                    s.created_at,
                    tuple(
                        OutcomeData(o.topic_id, o.step, o.text)
                        for o in outcomes[s.id]
                        if o.topic_id in seen_ids
                    ),
                )
                for s in summaries[meeting.id]
            ),
            tuple(_action(a, names) for a in actions[meeting.id]),
            tuple(
                PulseData(names.ref(p.person_id), p.happy, p.challenged, p.stressed, p.engaged, p.updated_at)
                for p in pulse[meeting.id]
            ),
            tuple(NoteData(n.text, n.created_at) for n in notes[meeting.id]),
        )


def _by_meeting(session: Session, query: Select[Any]) -> dict[int, list[Any]]:
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in session.scalars(query):
        rows[row.meeting_id].append(row)
    return rows


def _may_see(topic: Topic, viewer_id: int, *, started: bool) -> bool:
    if topic.visibility == Visibility.PRIVATE and topic.author_id != viewer_id:
        return False
    return visible_to(
        held_back=topic.held_back, author_id=topic.author_id, viewer_id=viewer_id, meeting_started=started
    )


class _Names:
    """People by id, each read once per page."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._refs: dict[int, PersonRef] = {}

    def ref(self, person_id: int) -> PersonRef:
        if person_id not in self._refs:
            person = self._session.get(Person, person_id)
            self._refs[person_id] = ref(person) if person else PersonRef(None, FORMER_PARTICIPANT)
        return self._refs[person_id]


def _series(s: Series) -> SeriesData:
    return SeriesData(
        s.id,
        str(s.cadence),
        s.weekday,
        s.local_time,
        s.duration_minutes,
        s.timezone,
        s.first_date,
        s.active,
        s.paused_at is not None,
        s.created_at,
        s.ended_at,
    )


def _topic(t: Topic, names: _Names) -> TopicData:
    return TopicData(
        t.id,
        t.text,
        names.ref(t.author_id),
        str(t.visibility),
        str(t.status),
        str(t.kind),
        t.link,
        t.created_at,
    )


def _action(a: ActionItem, names: _Names) -> ActionData:
    return ActionData(
        a.id, a.text, names.ref(a.owner_id), names.ref(a.created_by_id), a.due_date, a.done_at, a.created_at
    )
