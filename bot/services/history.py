"""A pair's history (issue 14, part 4): its past meetings newest first, a page at a time, or those that
words find, each as the viewer may see it.

Both people see the key points, action items and template outcomes; each sees their own private notes
and private topics only, and a held-back concern only once its meeting has begun. Pulse scores are never
part of it. Only the two people of the pair get anything at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus, without_controls
from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind, visible_to
from bot.services.agenda import only_one, zone_from
from bot.services.pairs import SEVERAL_SHOWN, Actor, check_not_self
from bot.services.people import FALLBACK_TIMEZONE, ZoneRule
from bot.store import history as history_store
from bot.store import people, reads
from bot.store import search as search_store
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person

PAGE_SIZE = 5  # meetings a page: a reply stays well within Slack's 50 blocks
WORDS_MAX_CHARS = 500
NOT_YOURS = "That 1:1 isn't one of yours."  # the same for a missing pair and someone else's


@dataclass(frozen=True)
class KeyPoints:
    author_user_id: str
    text: str
    matched: bool = False


@dataclass(frozen=True)
class PastAction:
    text: str
    owner_user_id: str
    due: date | None
    done: bool
    matched: bool = False


@dataclass(frozen=True)
class PastTopic:
    text: str
    author_user_id: str
    covered: bool
    matched: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a summary recorded for one step of a templated topic (e.g. GROW's "will")."""

    topic_text: str
    kind: TopicKind
    step: str
    text: str


@dataclass(frozen=True)
class OwnNote:
    text: str
    matched: bool = False


@dataclass(frozen=True)
class PastMeeting:
    meeting_id: int
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    key_points: list[KeyPoints] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    actions: list[PastAction] = field(default_factory=list)
    my_notes: list[OwnNote] = field(default_factory=list)  # the viewer's own, never the other's
    topics: list[PastTopic] = field(default_factory=list)  # only those words found


@dataclass(frozen=True)
class HistoryView:
    pair_id: int
    viewer_user_id: str
    other_user_id: str
    timezone: str  # the viewer's
    words: str  # "" for the whole history
    page: int  # 0 is the newest
    total: int  # meetings in all (that the words found, when searching)
    meetings: list[PastMeeting]

    @property
    def searching(self) -> bool:
        return bool(self.words)

    @property
    def pages(self) -> int:
        return pages_of(self.total)

    @property
    def first_shown(self) -> int:
        """The 1-based position of the page's first meeting among them all."""
        return self.page * PAGE_SIZE + 1


def pages_of(total: int) -> int:
    """How many pages `total` meetings fill (an empty history is one empty page)."""
    return max(1, -(-total // PAGE_SIZE))


def history(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    words: str,
    timezone: ZoneRule | str,
    page: int = 0,
) -> HistoryView:
    """`/1on1 history [@person] [words…]`: the caller's pair with that person (their only one if none). One
    transaction of three statements, four with words: the 1:1 with the caller's cached zone (judged by
    `timezone`, or a zone already known), what the words find, the page, what its meetings recorded."""
    words = clean_words(words)
    check_not_self(actor, other_user_id)
    with sessions() as session:
        found = reads.mine(session, actor.team_id, actor.user_id, other_user_id, now, limit=SEVERAL_SHOWN + 1)
        mine = only_one(found, other_user_id)
        zone = zone_from(timezone, mine)
        viewing = _Viewing(mine.pair_id, mine.me_id, actor.user_id, mine.other_id, mine.other_user_id)
        return _history(session, now, viewing, words, page, zone)


def history_of_pair(
    sessions: SessionFactory, now: datetime, actor: Actor, pair_id: int, words: str, page: int
) -> HistoryView:
    """The *History* view from the Home tab (and its pages): the pair must be one of the caller's."""
    words = clean_words(words)
    with sessions() as session:
        me, pair = _own_pair(session, actor, pair_id)
        other = pair.other(me.id)
        viewing = _Viewing(pair.id, me.id, me.slack_user_id, other.id, other.slack_user_id)
        return _history(session, now, viewing, words, page, me.timezone or FALLBACK_TIMEZONE)


@dataclass(frozen=True)
class _Viewing:
    """Whose history, seen by whom."""

    pair_id: int
    me_id: int
    my_user_id: str
    other_id: int
    other_user_id: str


def clean_words(words: str) -> str:
    """Search words as typed, on one line; refused past WORDS_MAX_CHARS."""
    cleaned = " ".join(without_controls(words).split())
    if len(cleaned) > WORDS_MAX_CHARS:
        raise DomainError(
            f"Search with fewer words: that was {len(cleaned):,} characters, the limit is {WORDS_MAX_CHARS}."
        )
    return cleaned


def _own_pair(session: Session, actor: Actor, pair_id: int) -> tuple[Person, Pair]:
    pair = session.get(Pair, pair_id)
    me = people.find_person(session, actor.team_id, actor.user_id)
    # A pair no series ever made is no 1:1 (see resolve_pair).
    if (
        pair is None
        or me is None
        or pair.manager_id is None
        or me.id not in (pair.member_a_id, pair.member_b_id)
    ):
        raise DomainError(NOT_YOURS)
    return me, pair


def _history(
    session: Session, now: datetime, viewing: _Viewing, words: str, page: int, timezone: str
) -> HistoryView:
    members = sorted({viewing.me_id, viewing.other_id})
    terms = search_store.terms(words)
    found = history_store.found_by(session, viewing.pair_id, members, viewing.me_id, terms) if words else None
    among = found.meeting_ids if found is not None else None
    meetings, total = _page(session, viewing.pair_id, now, page, among)
    if page >= pages_of(total):  # past the end (an old button, a crafted one): the last page
        page = pages_of(total) - 1
        meetings, total = _page(session, viewing.pair_id, now, page, among)
    return HistoryView(
        pair_id=viewing.pair_id,
        viewer_user_id=viewing.my_user_id,
        other_user_id=viewing.other_user_id,
        timezone=timezone,
        words=words,
        page=page,
        total=total,
        meetings=_records(session, viewing, meetings, found, now),
    )


def _page(
    session: Session, pair_id: int, now: datetime, page: int, among: set[int] | None
) -> tuple[list[history_store.PastRow], int]:
    if among is not None and not among:
        return [], 0
    return history_store.page_of(session, pair_id, now, offset=page * PAGE_SIZE, limit=PAGE_SIZE, among=among)


def _records(
    session: Session,
    viewing: _Viewing,
    meetings: list[history_store.PastRow],
    found: history_store.Found | None,
    now: datetime,
) -> list[PastMeeting]:
    """Each meeting with what was recorded of it, as the viewer may see it; the lines `found` marked."""
    if not meetings:
        return []
    hits = found or history_store.Found()
    read = history_store.records_of(
        session, viewing.pair_id, viewing.me_id, meetings, topics=bool(hits.topics)
    )
    key_points: dict[int, list[KeyPoints]] = defaultdict(list)
    for summary in read.summaries:
        if summary.text.strip():  # a summary may hold only action items
            matched = summary.id in hits.summaries
            key_points[summary.meeting].append(KeyPoints(summary.who or "", summary.text, matched))
    outcomes: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in read.outcomes:
        outcomes[outcome.meeting].append(
            Outcome(outcome.text2, TopicKind(outcome.kind), outcome.word, outcome.text)
        )
    actions: dict[int, list[PastAction]] = defaultdict(list)
    for item in read.actions:
        matched = item.id in hits.actions
        actions[item.meeting].append(
            PastAction(item.text, item.who or "", item.day, bool(item.flag), matched)
        )
    notes: dict[int, list[OwnNote]] = defaultdict(list)
    for note in read.notes:
        notes[note.meeting].append(OwnNote(note.text, note.id in hits.notes))
    topics = _topics(viewing, meetings, read.topics, hits, now)
    return [
        PastMeeting(
            meeting_id=m.id,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            status=m.status,
            key_points=key_points.get(m.id, []),
            outcomes=outcomes.get(m.id, []),
            actions=actions.get(m.id, []),
            my_notes=notes.get(m.id, []),
            topics=topics.get(m.id, []),
        )
        for m in meetings
    ]


def _topics(
    viewing: _Viewing,
    meetings: list[history_store.PastRow],
    rows: list[Any],
    hits: history_store.Found,
    now: datetime,
) -> dict[int, list[PastTopic]]:
    """The topics the words found (a page shows no others: the key points say what was discussed)."""
    starts = {meeting.id: meeting.starts_at for meeting in meetings}
    found: dict[int, list[PastTopic]] = defaultdict(list)
    for topic in rows:
        if topic.id in hits.topics and _shown(
            topic.flag, topic.ref, viewing.me_id, starts[topic.meeting], now
        ):
            covered = topic.kind == TopicStatus.COVERED.value
            found[topic.meeting].append(PastTopic(topic.text, topic.who or "", covered, matched=True))
    return found


def _shown(
    held_back: bool, author_id: int, viewer_id: int, meeting_starts_at: datetime, now: datetime
) -> bool:
    """A held-back concern is its author's alone until its meeting begins (history holds only meetings that
    have begun, so this holds there; said here so the rule stands on its own)."""
    return visible_to(
        held_back=bool(held_back),
        author_id=author_id,
        viewer_id=viewer_id,
        meeting_started=meeting_starts_at <= now,
    )
