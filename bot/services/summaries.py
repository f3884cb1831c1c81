"""The record of a meeting: key points, action items, covered topics and a private note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain.agenda import NOTE_MAX_CHARS, TOPIC_MAX_CHARS, clean_text, without_controls
from bot.domain.errors import DomainError, InvalidField
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.templates import step_of
from bot.services.agenda import TopicLine
from bot.services.pairs import Actor, own_meeting
from bot.services.summary_thread import reply_rows
from bot.store import agenda as agenda_store
from bot.store import followups as followup_store
from bot.store import outbox, people
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Note, Pair, Person, Summary

KEY_POINTS_MAX_CHARS = 3000


class SummaryInvalid(InvalidField):
    """A field of the summary form is wrong; `field` says which, for the modal's error."""


@dataclass(frozen=True)
class ActionInput:
    field: str  # the form field it came from, for error messages
    text: str
    owner_user_id: str | None
    due: date | None
    owner_field: str = ""  # where an error about the owner belongs (the text's field if not given)


@dataclass(frozen=True)
class OutcomeInput:
    """What was written for one step of a templated topic (e.g. GROW's "will")."""

    field: str  # the form field it came from, for error messages
    topic_id: int
    step: str
    text: str


@dataclass(frozen=True)
class SummaryInput:
    meeting_id: int
    source: str  # the submitted view's id
    key_points: str = ""
    actions: list[ActionInput] = field(default_factory=list)
    covered_topic_ids: list[int] = field(default_factory=list)
    note: str = ""
    outcomes: list[OutcomeInput] = field(default_factory=list)


@dataclass(frozen=True)
class SummaryForm:
    """What the summary modal offers: the meeting's open topics to tick off, and its templated topics (oldest
    first) whose steps' outcomes it records."""

    meeting_id: int
    other_user_id: str
    actor_user_id: str
    starts_at: datetime
    topics: list[TopicLine]
    templated: list[TopicLine] = field(default_factory=list)


def summary_form(
    sessions: SessionFactory, actor: Actor, meeting_id: int, now: datetime | None = None
) -> SummaryForm:
    """As the actor sees the meeting at `now`: a concern held back by the other person shows once the meeting
    has started (without `now`, it stays hidden)."""
    with sessions() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        topics = agenda_store.topics_for(session, pair.id, meeting, me.id, now)
        templated = agenda_store.templated_topics(session, pair.id, meeting, me.id, now)
        by_id = people.SlackIds(session, pair)
        return SummaryForm(
            meeting_id=meeting.id,
            other_user_id=pair.other(me.id).slack_user_id,
            actor_user_id=me.slack_user_id,
            starts_at=meeting.starts_at,
            topics=[TopicLine(t.id, t.text, by_id[t.author_id]) for t in topics],
            templated=[TopicLine(t.id, t.text, by_id[t.author_id], kind=t.kind) for t in templated],
        )


def submit_summary(sessions: SessionFactory, now: datetime, actor: Actor, form: SummaryInput) -> None:
    """Store what one person wrote and mark the meeting held; a second summary adds to the first."""
    key_points = without_controls(form.key_points).strip()
    if len(key_points) > KEY_POINTS_MAX_CHARS:
        raise SummaryInvalid("key_points", f"Keep the key points under {KEY_POINTS_MAX_CHARS:,} characters.")
    try:
        note = clean_text(form.note, what="note", limit=NOTE_MAX_CHARS) if form.note.strip() else ""
    except DomainError as error:
        raise SummaryInvalid("note", error.message) from None
    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, form.meeting_id)
        if agenda_store.summary_from(session, form.source) is not None:
            return  # the same submission, delivered again
        actions = [_action(pair, item) for item in form.actions if item.text.strip()]
        outcomes = _outcomes(session, meeting, pair, me, now, form.outcomes)
        if not key_points and not actions and not outcomes:
            raise SummaryInvalid("key_points", "Write a few key points or at least one action item.")
        summary = Summary(
            meeting_id=meeting.id, author_id=me.id, key_points=key_points, source=form.source, created_at=now
        )
        session.add(summary)
        session.flush()
        agenda_store.add_outcomes(session, summary.id, outcomes, now)
        for text, owner, due in actions:
            agenda_store.add_action_item(
                session,
                pair_id=pair.id,
                owner_id=owner.id,
                created_by_id=me.id,
                text=text,
                due=due,
                now=now,
                meeting_id=meeting.id,
            )
        if note:
            session.add(
                Note(pair_id=pair.id, meeting_id=meeting.id, author_id=me.id, text=note, created_at=now)
            )
        agenda_store.cover_topics(session, pair.id, form.covered_topic_ids)
        agenda_store.release_held_back(session, meeting.id)
        meeting.status = MeetingStatus.HELD
        meeting.offered_slots = None
        session.flush()
        _publish(session, meeting, pair, summary, now)


def refresh_summary_messages(session: Session, meeting_id: int, now: datetime, change: str) -> None:
    """Queue a chat.update of every posted copy of the meeting's summary (unsent ones render fresh)."""
    for message in followup_store.summary_messages(session, meeting_id):
        if message.status == "sent":
            outbox.enqueue(
                session,
                key=outbox_key(MessageKind.SUMMARY_UPDATE, message.id, change),
                kind=MessageKind.SUMMARY_UPDATE,
                now=now,
                meeting_id=meeting_id,
                params={"meeting_id": meeting_id, "update_of": message.id},
            )


def _action(pair: Pair, item: ActionInput) -> tuple[str, Person, date | None]:
    try:
        text = clean_text(item.text, what="action item", limit=TOPIC_MAX_CHARS)
    except DomainError as error:
        raise SummaryInvalid(item.field, error.message) from None
    members = {pair.member_a.slack_user_id: pair.member_a, pair.member_b.slack_user_id: pair.member_b}
    if item.owner_user_id not in members:
        raise SummaryInvalid(item.owner_field or item.field, "Pick one of the two of you as the owner.")
    return text, members[item.owner_user_id], item.due


def _outcomes(
    session: Session, meeting: Meeting, pair: Pair, me: Person, now: datetime, given: list[OutcomeInput]
) -> list[tuple[int, str, str]]:
    """(topic id, step, text) for each step written: only of the templated topics the writer's form shows
    (a forged block id for any other topic, or a step its kind lacks, is ignored), each within a topic's
    limit (or refused on its field). The same step given twice counts once: the last one."""
    kinds = {t.id: t.kind for t in agenda_store.templated_topics(session, pair.id, meeting, me.id, now)}
    written: dict[tuple[int, str], str] = {}
    for item in given:
        kind = kinds.get(item.topic_id)
        if kind is None or step_of(kind, item.step) is None or not item.text.strip():
            continue
        try:
            written[item.topic_id, item.step] = clean_text(item.text, what="outcome", limit=TOPIC_MAX_CHARS)
        except DomainError as error:
            raise SummaryInvalid(item.field, error.message) from None
    return [(topic_id, step, text) for (topic_id, step), text in written.items()]


def _publish(session: Session, meeting: Meeting, pair: Pair, summary: Summary, now: datetime) -> None:
    posted = outbox.enqueue(
        session,
        key=outbox_key(MessageKind.SUMMARY, meeting.id),
        kind=MessageKind.SUMMARY,
        now=now,
        meeting_id=meeting.id,
        params={"meeting_id": meeting.id, "group": [pair.member_a_id, pair.member_b_id]},
    )
    if posted:
        return
    refresh_summary_messages(session, meeting.id, now, change=f"summary-{summary.id}")
    params = {"meeting_id": meeting.id, "summary_id": summary.id}
    # A reply under every copy: the group DM's message, or each person's own when the group DM was refused.
    outbox.enqueue_many(
        session, reply_rows(session, meeting.id, MessageKind.SUMMARY_ADDED, [summary.id], params, now)
    )
