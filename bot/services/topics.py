"""Adding topics to a 1:1's shared agenda: by command, by DM, by thread reply, by modal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.agenda import clean_topic
from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.services.pairs import Actor, own_meeting, resolve_pair
from bot.store import agenda as agenda_store
from bot.store import meetings as meeting_store
from bot.store import outbox, people
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, PendingTopic, Person, Topic

_NO_1ON1S = (
    "You don't have any 1:1s yet, so I can't put this on an agenda. "
    "Start one with `/1on1 schedule @person weekly <day> <HH:MM>`."
)


@dataclass(frozen=True)
class TopicAdded:
    topic_id: int
    text: str
    other_user_id: str
    meeting_starts_at: datetime | None  # None: no meeting scheduled yet


@dataclass(frozen=True)
class DirectMessage:
    """A message someone sent the bot in its DM."""

    actor: Actor
    text: str
    channel_id: str
    ts: str
    thread_ts: str | None = None

    @property
    def source(self) -> str:
        return f"dm:{self.channel_id}:{self.ts}"


def add_topic(
    sessions: SessionFactory, now: datetime, actor: Actor, other_user_id: str | None, text: str
) -> TopicAdded:
    cleaned = clean_topic(text)
    with sessions.begin() as session:
        me, pair = resolve_pair(session, now, actor, other_user_id, create=False)
        return _add(session, now, me, pair, cleaned)


def add_topic_to_meeting(
    sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int, text: str, source: str
) -> None:
    """From the prompt's "Add a topic" modal: the meeting must be one of the caller's own.

    `source` names the submission, so the same form delivered twice adds the topic once.
    """
    cleaned = clean_topic(text)
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        if not agenda_store.source_taken(session, source):
            _add(session, now, me, pair, cleaned, meeting=meeting, source=source)


def topic_from_dm(sessions: SessionFactory, now: datetime, message: DirectMessage) -> None:
    """A DM becomes a topic; the answer goes back as a thread reply through the outbox.

    A reply in a prompt's thread goes to that meeting; a plain message to the next 1:1, or, when
    the person has several, waits as a pending topic while they pick one.
    """
    with sessions.begin() as session:
        if agenda_store.source_taken(session, message.source):
            return  # Slack delivered the same message again
        try:
            text = clean_topic(message.text)
            # Someone the bot has never seen has no 1:1 to add to, and is not stored for asking.
            me = people.find_person(session, message.actor.team_id, message.actor.user_id)
            _route_dm(session, now, me, message, text)
        except DomainError as error:
            _reply(
                session,
                now,
                message,
                MessageKind.NO_MEETING,
                problem=error.message,
                people=list(error.people),
            )


def choose_meeting_for_pending(
    sessions: SessionFactory, now: datetime, actor: Actor, pending_id: int, pair_id: int
) -> TopicAdded:
    """The person picked which 1:1 a DM'd topic is for."""
    with sessions.begin() as session:
        pending = session.get(PendingTopic, pending_id)
        me = people.find_person(session, actor.team_id, actor.user_id)
        pair = session.get(Pair, pair_id)
        if pending is None or me is None or pending.author_id != me.id:
            raise DomainError("That topic was already added, or it isn't yours.")
        if pair is None or me.id not in (pair.member_a_id, pair.member_b_id):
            raise DomainError("That 1:1 isn't one of yours.")
        added = _add(session, now, me, pair, pending.text, source=pending.source)
        session.delete(pending)
        return added


def _route_dm(session: Session, now: datetime, me: Person | None, message: DirectMessage, text: str) -> None:
    if me is None:
        raise DomainError(_NO_1ON1S)
    if message.thread_ts:
        meeting = _meeting_of_thread(session, message)
        if meeting is not None:
            pair = session.get(Pair, meeting.pair_id)
            if pair is not None and me.id in (pair.member_a_id, pair.member_b_id):
                added = _add(session, now, me, pair, text, meeting=meeting, source=message.source)
                _reply(session, now, message, MessageKind.TOPIC_CONFIRMED, topic_id=added.topic_id)
                return
    pairs = people.pairs_of(session, me)
    if not pairs:
        raise DomainError(_NO_1ON1S)
    if len(pairs) == 1:
        added = _add(session, now, me, pairs[0], text, source=message.source)
        _reply(session, now, message, MessageKind.TOPIC_CONFIRMED, topic_id=added.topic_id)
        return
    pending = PendingTopic(author_id=me.id, text=text, source=message.source, created_at=now)
    session.add(pending)
    session.flush()
    _reply(session, now, message, MessageKind.WHICH_MEETING, pending_id=pending.id)


def _add(
    session: Session,
    now: datetime,
    me: Person,
    pair: Pair,
    text: str,
    *,
    meeting: Meeting | None = None,
    source: str | None = None,
) -> TopicAdded:
    # A meeting that is over (or was skipped) no longer takes topics: they go to the next one.
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
        meeting = meeting_store.next_meeting(session, pair.id, now)
    topic = Topic(
        pair_id=pair.id,
        meeting_id=meeting.id if meeting else None,
        author_id=me.id,
        text=text,
        source=source,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return TopicAdded(
        topic_id=topic.id,
        text=text,
        other_user_id=pair.other(me.id).slack_user_id,
        meeting_starts_at=meeting.starts_at if meeting else None,
    )


def _meeting_of_thread(session: Session, message: DirectMessage) -> Meeting | None:
    assert message.thread_ts is not None
    sent = outbox.find_sent(session, message.channel_id, message.thread_ts)
    if sent is None or sent.meeting_id is None:
        return None
    return session.get(Meeting, sent.meeting_id)


def _reply(
    session: Session, now: datetime, message: DirectMessage, kind: MessageKind, **params: object
) -> None:
    outbox.enqueue(
        session,
        key=outbox_key(kind, message.source),
        kind=kind,
        now=now,
        channel_id=message.channel_id,
        thread_ts=message.thread_ts or message.ts,
        params=dict(params),
    )
