"""Deleting a person's data (`/1on1 delete-my-data`): what is theirs alone goes, their row stays as a
placeholder that the other person's copy of shared history still points at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.agenda import Visibility
from bot.domain.names import FORMER_PARTICIPANT, placeholder_id
from bot.store.models import (
    ActionItem,
    BusyInterval,
    HandoffRequest,
    Meeting,
    Note,
    OutboxMessage,
    Pair,
    PendingTopic,
    Person,
    PulseCheck,
    QuestionRetired,
    Summary,
    TemplateOutcome,
    TimeAway,
    Topic,
)

# Every column of Person that says who someone is, where they are or what they chose: cleared. What stays
# is the row's id (shared history points at it), its workspace and when it was made.
_CLEARED = dict(
    timezone=None,
    timezone_checked_at=None,
    dm_channel_id=None,
    work_days=None,
    work_start=None,
    work_end=None,
    prompt_lead_minutes=None,
    question_suggestions=True,
    home_opened_at=None,
    calendar_token_hash=None,
    busy_url=None,
    busy_checked_at=None,
    busy_etag=None,
    busy_last_modified=None,
    busy_error=None,
    busy_error_told_at=None,
    holiday_country=None,
    holiday_region=None,
    status_away_until=None,
    display_name=None,
    pulse_as_report=True,
    pulse_as_manager=False,
    deactivated_at=None,
)


def pairs_of(person_id: int) -> Select[tuple[int]]:
    return select(Pair.id).where(or_(Pair.member_a_id == person_id, Pair.member_b_id == person_id))


def erase(session: Session, person: Person, now: datetime) -> None:
    """Delete what is `person`'s alone and turn their row into an anonymous placeholder, in the caller's
    transaction (their series are ended by the caller first)."""
    slack_user_id, dm = person.slack_user_id, person.dm_channel_id
    _delete_own_rows(session, person.id, now)
    _delete_their_messages(session, person.id, dm)
    _forget_where_shared_topics_came_from(session, person.id, dm)
    _unmention(session, person.workspace_id, slack_user_id)
    session.execute(
        update(Person)
        .where(Person.id == person.id)
        .values(slack_user_id=placeholder_id(), erased_at=now, **_CLEARED)
    )
    session.expire(person)


def _delete_own_rows(session: Session, person_id: int, now: datetime) -> None:
    mine = _private_topics(person_id, now)
    session.execute(delete(TemplateOutcome).where(TemplateOutcome.topic_id.in_(mine)))
    session.execute(delete(Topic).where(Topic.id.in_(mine)))
    session.execute(delete(Note).where(Note.author_id == person_id))
    session.execute(delete(PulseCheck).where(PulseCheck.person_id == person_id))
    session.execute(delete(TimeAway).where(TimeAway.person_id == person_id))
    session.execute(delete(BusyInterval).where(BusyInterval.person_id == person_id))
    session.execute(delete(PendingTopic).where(PendingTopic.author_id == person_id))
    session.execute(delete(QuestionRetired).where(QuestionRetired.retired_by_id == person_id))
    # A hand-over nobody answered yet can't happen any more: their 1:1s have ended.
    session.execute(
        delete(HandoffRequest).where(
            HandoffRequest.decided_at.is_(None),
            or_(
                HandoffRequest.pair_id.in_(pairs_of(person_id)),
                HandoffRequest.new_manager_id == person_id,
                HandoffRequest.requested_by_id == person_id,
            ),
        )
    )


def _private_topics(person_id: int, now: datetime) -> Select[tuple[int]]:
    """Their private topics, and the concerns they held back for a meeting that has not started (shown to
    them alone until it does, so never shared)."""
    started = select(Meeting.id).where(Meeting.starts_at <= now)
    return select(Topic.id).where(
        Topic.author_id == person_id,
        or_(
            Topic.visibility == Visibility.PRIVATE,
            Topic.held_back.is_(True) & (Topic.meeting_id.is_(None) | Topic.meeting_id.not_in(started)),
        ),
    )


def _delete_their_messages(session: Session, person_id: int, dm: str | None) -> None:
    """Every message to them, sent or not: a sent one names their DM, and nothing is sent or edited there
    again."""
    to_them: ColumnElement[bool] = OutboxMessage.recipient_id == person_id
    if dm is not None:
        to_them = or_(to_them, OutboxMessage.channel_id == dm, OutboxMessage.sent_channel_id == dm)
    session.execute(delete(OutboxMessage).where(to_them))


def _forget_where_shared_topics_came_from(session: Session, person_id: int, dm: str | None) -> None:
    # A DM'd topic's source names their DM channel; it only stopped a redelivery adding it twice.
    session.execute(update(Topic).where(Topic.author_id == person_id).values(source=None))
    if dm is not None:  # a link to a message in their DM with the bot
        session.execute(
            update(Topic)
            .where(Topic.author_id == person_id, Topic.link.contains(dm, autoescape=True))
            .values(link=None)
        )


def _unmention(session: Session, workspace_id: int, slack_user_id: str) -> None:
    """Their Slack id, where anyone in their workspace mentioned them in shared text or a note, becomes the
    words "a former participant"."""
    stored = f"<@{slack_user_id}>"
    pairs = select(Pair.id).where(Pair.workspace_id == workspace_id)
    meetings = select(Meeting.id).where(Meeting.pair_id.in_(pairs))
    summaries = select(Summary.id).where(Summary.meeting_id.in_(meetings))
    people = select(Person.id).where(Person.workspace_id == workspace_id)
    columns: list[tuple[InstrumentedAttribute[str], ColumnElement[bool]]] = [
        (Topic.text, Topic.pair_id.in_(pairs)),
        (ActionItem.text, ActionItem.pair_id.in_(pairs)),
        (Note.text, Note.pair_id.in_(pairs)),
        (Summary.key_points, Summary.meeting_id.in_(meetings)),
        (TemplateOutcome.text, TemplateOutcome.summary_id.in_(summaries)),
        (PendingTopic.text, PendingTopic.author_id.in_(people)),
    ]
    for column, scope in columns:
        session.execute(
            update(column.class_)
            .where(scope, column.contains(stored, autoescape=True))
            .values({column.key: func.replace(column, stored, FORMER_PARTICIPANT)})
        )
