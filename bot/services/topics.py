"""Adding topics to a 1:1's shared agenda: by command, by DM, by thread reply, by modal, from a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.agenda import TOPIC_MAX_CHARS, clean_topic, without_controls
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.templates import TopicKind, check_may_add, held_back_when_added, parse_kind
from bot.services.pairs import (
    SEVERAL_SHOWN,
    Actor,
    check_not_self,
    no_pair_with,
    no_pairs,
    own_meeting,
    resolve_pair,
    several_pairs,
)
from bot.services.people import ZoneRule
from bot.store import agenda as agenda_store
from bot.store import meetings as meeting_store
from bot.store import outbox, people
from bot.store import topics as topic_store
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
    kind: TopicKind = TopicKind.PLAIN
    held_back: bool = False  # a concern only its author sees until the meeting starts
    caller_zone: str | None = None  # the zone to show the meeting's date in, when the caller asked for it


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
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    other_user_id: str | None,
    text: str,
    *,
    caller_zone: ZoneRule | None = None,
) -> TopicAdded:
    """`add-topic`: a leading `grow:`, `career:`, `feedback:` or `concern:` picks the topic's template.

    The acknowledgement path, so one transaction of two statements (and the request's record, added at
    its commit): the caller's 1:1 with its next meeting and the caller's cached zone in one query, then
    the topic. The zone goes through `caller_zone` before the write, and comes back in `caller_zone`.
    """
    kind, cleaned = parse_kind(clean_topic(text))
    check_not_self(actor, other_user_id)
    with sessions.begin() as session:
        target = _target(session, now, actor, other_user_id)
        zone = caller_zone(target.my_timezone, target.my_timezone_checked_at) if caller_zone else None
        check_may_add(kind, adder_leads=target.manager_id == target.me_id)
        held_back = held_back_when_added(kind, share=False)
        topic_id = topic_store.insert_topic(session, target, cleaned, kind=kind, held_back=held_back, now=now)
    return TopicAdded(
        topic_id=topic_id,
        text=cleaned,
        other_user_id=target.other_user_id,
        meeting_starts_at=target.meeting_starts_at,
        kind=kind,
        held_back=held_back,
        caller_zone=zone,
    )


def _target(session: Session, now: datetime, actor: Actor, other_user_id: str | None) -> topic_store.Target:
    """`resolve_pair`'s answer (without creating anything), with the 1:1's next meeting, in one query."""
    found = topic_store.targets(
        session, actor.team_id, actor.user_id, other_user_id, now, limit=SEVERAL_SHOWN + 1
    )
    if other_user_id is not None and not found:
        raise no_pair_with(other_user_id)
    if not found:
        raise no_pairs()
    if len(found) > 1:
        raise several_pairs([target.other_user_id for target in found])
    return found[0]


def add_topic_to_meeting(
    sessions: SessionFactory,
    now: datetime,
    actor: Actor,
    meeting_id: int,
    text: str,
    source: str,
    *,
    kind: TopicKind = TopicKind.PLAIN,
    share: bool = False,
    kind_field: str | None = None,
) -> None:
    """From the "Add a topic" modal: the meeting must be one of the caller's own. The kind is picked in the
    form (its text is taken as typed, keyword or not); a refusal of the kind names `kind_field`.

    `source` names the submission, so the same form delivered twice adds the topic once.
    """
    cleaned = clean_topic(text)
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        try:
            check_may_add(kind, adder_leads=pair.manager_id == me.id)
        except DomainError as error:
            raise (InvalidField(kind_field, error.message) if kind_field else error) from None
        if not agenda_store.source_taken(session, source):
            _add(session, now, me, pair, cleaned, kind=kind, share=share, meeting=meeting, source=source)


@dataclass(frozen=True)
class AddTopicForm:
    """What the add-topic modal offers: a performance concern only to the 1:1's manager."""

    meeting_id: int
    leads: bool


def add_topic_form(sessions: SessionFactory, actor: Actor, meeting_id: int) -> AddTopicForm:
    """Reads only, and refuses nothing: any id opens a form (its submission is checked), but only the
    manager of that meeting's 1:1 is offered a concern."""
    with sessions() as session:
        meeting = session.get(Meeting, meeting_id)
        pair = session.get(Pair, meeting.pair_id) if meeting else None
        me = people.find_person(session, actor.team_id, actor.user_id)
        leads = pair is not None and me is not None and pair.manager_id == me.id
        return AddTopicForm(meeting_id, leads)


@dataclass(frozen=True)
class TopicShared:
    other_user_id: str
    text: str


def share_topic(sessions: SessionFactory, now: datetime, actor: Actor, topic_id: int) -> TopicShared:
    """*Share now*: the author of a held-back concern shows it to the other person before the meeting.
    Anyone else (the other person too) gets the same answer as for a 1:1 that isn't theirs."""
    with sessions.begin() as session:
        topic = topic_store.topic_to_change(session, topic_id)
        me = people.find_person(session, actor.team_id, actor.user_id)
        pair = session.get(Pair, topic.pair_id) if topic else None
        if topic is None or pair is None or me is None or topic.author_id != me.id:
            raise DomainError("That 1:1 isn't one of yours.")
        topic.held_back = False  # the Home tabs' counts follow (bot/store/home.py watches it)
        return TopicShared(pair.other(me.id).slack_user_id, topic.text)


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
        # The pending text is the DM as written: its keyword is read now that the 1:1 and its lead are known.
        kind, text = parse_kind(pending.text)
        added = _add(session, now, me, pair, text, kind=kind, source=pending.source)
        session.delete(pending)
        return added


def _route_dm(session: Session, now: datetime, me: Person | None, message: DirectMessage, text: str) -> None:
    """A DM may start with a template's keyword, as `add-topic` may (`grow: …`)."""
    if me is None:
        raise DomainError(_NO_1ON1S)
    kind, topic = parse_kind(text)
    if message.thread_ts:
        meeting = _meeting_of_thread(session, message)
        if meeting is not None:
            pair = session.get(Pair, meeting.pair_id)
            if pair is not None and me.id in (pair.member_a_id, pair.member_b_id):
                added = _add(session, now, me, pair, topic, kind=kind, meeting=meeting, source=message.source)
                _reply(session, now, message, MessageKind.TOPIC_CONFIRMED, topic_id=added.topic_id)
                return
    pairs = people.pairs_of(session, me)
    if not pairs:
        raise DomainError(_NO_1ON1S)
    if len(pairs) == 1:
        added = _add(session, now, me, pairs[0], topic, kind=kind, source=message.source)
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
    kind: TopicKind = TopicKind.PLAIN,
    share: bool = False,
    meeting: Meeting | None = None,
    source: str | None = None,
) -> TopicAdded:
    check_may_add(kind, adder_leads=pair.manager_id == me.id)
    # A meeting that is over (or was skipped) no longer takes topics: they go to the next one.
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.ends_at <= now:
        meeting = meeting_store.next_meeting(session, pair.id, now)
    topic = Topic(
        pair_id=pair.id,
        meeting_id=meeting.id if meeting else None,
        author_id=me.id,
        text=text,
        kind=kind,
        held_back=held_back_when_added(kind, share=share),
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
        kind=kind,
        held_back=topic.held_back,
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


# ---------------------------------------------------------------------------------------------------
# "Add to 1:1 agenda": a Slack message becomes a topic, with a link back to it


@dataclass(frozen=True)
class SlackMessage:
    """Where a message someone turned into a topic is: its conversation and ts."""

    channel_id: str
    ts: str

    def source(self, user_id: str) -> str:
        # Per person: the same message added twice by one person is one topic; by the other, their own.
        return f"shortcut:{self.channel_id}:{self.ts}:{user_id}"


@dataclass(frozen=True)
class PairChoice:
    pair_id: int
    other_user_id: str


@dataclass(frozen=True)
class MessageTopicForm:
    """What the shortcut's modal offers: the person's 1:1s, or the 1:1 the message already went to."""

    pairs: list[PairChoice]
    already_with: str | None = None  # the other person's Slack id, when this person added it before


@dataclass(frozen=True)
class MessageTopic:
    """The submitted modal: the message, its text as meant, the person's own line and which 1:1.

    The 1:1 is a pair id (picked, or the only one the form offered) or, for someone with many 1:1s, the
    person they meet. `*_field` name the form's fields, so a refusal shows under the right one.
    """

    message: SlackMessage
    quote: str
    own_line: str
    own_line_field: str
    pair_field: str
    pair_id: int | None = None
    other_user_id: str | None = None


@dataclass(frozen=True)
class MessageTopicAdded:
    topic_id: int
    text: str
    other_user_id: str
    meeting_starts_at: datetime | None
    timezone: str | None  # the adder's zone as cached, for the date's fallback text
    new: bool  # False: the message was on the agenda already, and nothing changed
    linked: bool  # the topic has its message's permalink


QUOTE_MIN_CHARS = 12  # a quote cut shorter says nothing: the topic is the person's line and the link then
_SENTENCE_ENDS = (".", "!", "?", ":", "…")


def message_quote(meant: str) -> str:
    """A message's text (as meant) as the topic would quote it: one line, within the topic's limit."""
    quote = " ".join(without_controls(meant).split())
    room = TOPIC_MAX_CHARS - 2  # the quote marks
    return quote if len(quote) <= room else _clipped(quote, room)


def message_topic_text(own_line: str, quote: str, limit: int = TOPIC_MAX_CHARS) -> str:
    """The topic's text: the person's line whole, then the message in quotes on one line, cut to fit."""
    quote = " ".join(quote.split())
    if not quote:
        return own_line
    lead = f"{own_line}{'' if own_line.endswith(_SENTENCE_ENDS) else ':'} " if own_line else ""
    room = limit - len(lead) - 2  # the quote marks
    if len(quote) > room:
        if room < QUOTE_MIN_CHARS:
            return own_line
        quote = _clipped(quote, room)
    return f"{lead}“{quote}”"


def _clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with "…", never inside a stored mention (`<@U123>`)."""
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):  # a mention cut in half would show as markup: leave it out whole
        cut = cut[:opened]
    return cut.rstrip() + "…"


def message_topic_form(sessions: SessionFactory, actor: Actor, message: SlackMessage) -> MessageTopicForm:
    """The person's 1:1s to choose from, and whether they already added this message (reads only)."""
    with sessions() as session:
        me = people.find_person(session, actor.team_id, actor.user_id)
        if me is None:
            return MessageTopicForm([])
        choices = [PairChoice(p.id, p.other(me.id).slack_user_id) for p in people.pairs_of(session, me)]
        existing = topic_store.topic_from(session, message.source(actor.user_id))
        pair = session.get(Pair, existing.pair_id) if existing else None
        return MessageTopicForm(choices, pair.other(me.id).slack_user_id if pair else None)


def add_topic_from_message(
    sessions: SessionFactory, now: datetime, actor: Actor, form: MessageTopic
) -> MessageTopicAdded:
    """Store the message as a topic of one of the caller's own 1:1s, once per person and message.

    The link to the message comes later (it needs Slack): `link_topic`. Stored first, so "added" is true
    even when Slack can't give the link.
    """
    own_line = _own_line(form)
    source = form.message.source(actor.user_id)
    with sessions.begin() as session:
        me, pair = _chosen_pair(session, now, actor, form)
        existing = topic_store.topic_from(session, source)
        if existing is not None:
            return _added(session, existing, me, new=False)
        text = without_controls(message_topic_text(own_line, form.quote))
        added = _add(session, now, me, pair, text, source=source)
        topic = session.get(Topic, added.topic_id)
        assert topic is not None
        return _added(session, topic, me, new=True)


def link_topic(sessions: SessionFactory, topic_id: int, permalink: str) -> bool:
    """Point a topic at the message it was made from; False if the topic is gone or the link unusable."""
    with sessions.begin() as session:
        return topic_store.set_link(session, topic_id, permalink)


def _own_line(form: MessageTopic) -> str:
    own_line = " ".join(without_controls(form.own_line).split())
    if len(own_line) > TOPIC_MAX_CHARS:
        raise InvalidField(
            form.own_line_field,
            f"Your line is {len(own_line):,} characters long; the limit is {TOPIC_MAX_CHARS:,}. Shorten it.",
        )
    if not own_line and not form.quote.strip():
        raise InvalidField(
            form.own_line_field, "This message has no text to quote: write a line of your own."
        )
    return own_line


def _chosen_pair(session: Session, now: datetime, actor: Actor, form: MessageTopic) -> tuple[Person, Pair]:
    """The caller and the 1:1 they chose, which must be one of their own (a crafted id is refused)."""
    if form.other_user_id is not None:
        try:
            return resolve_pair(session, now, actor, form.other_user_id, create=False)
        except DomainError:
            message = "You don't have a 1:1 with that person. Pick one you have."
            raise InvalidField(form.pair_field, message) from None
    if form.pair_id is None:
        raise InvalidField(form.pair_field, "Pick the 1:1 this is for.")
    me = people.find_person(session, actor.team_id, actor.user_id)
    pair = next((p for p in people.pairs_of(session, me) if p.id == form.pair_id), None) if me else None
    if me is None or pair is None:  # the same answer for a missing pair and someone else's
        raise InvalidField(form.pair_field, "That 1:1 isn't one of yours.")
    return me, pair


def _added(session: Session, topic: Topic, me: Person, *, new: bool) -> MessageTopicAdded:
    pair = session.get(Pair, topic.pair_id)
    meeting = session.get(Meeting, topic.meeting_id) if topic.meeting_id else None
    assert pair is not None
    return MessageTopicAdded(
        topic_id=topic.id,
        text=topic.text,
        other_user_id=pair.other(me.id).slack_user_id,
        meeting_starts_at=meeting.starts_at if meeting else None,
        timezone=me.timezone,
        new=new,
        linked=topic.link is not None,
    )
