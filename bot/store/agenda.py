"""Queries behind an agenda: topics, carried-over topics and open action items of a pair."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true, update
from sqlalchemy.orm import Session

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.templates import TopicKind, shown_to_both
from bot.store.models import ActionItem, Meeting, Note, PendingTopic, Summary, TemplateOutcome, Topic


def _visible_open_topics(pair_id: int, viewer_id: int, shown: ColumnElement[bool]) -> Select[tuple[Topic]]:
    return select(Topic).where(
        Topic.pair_id == pair_id,
        Topic.status == TopicStatus.OPEN,
        visible_topic(viewer_id, shown),
    )


def visible_topic(viewer_id: int | ColumnElement[Any], shown: ColumnElement[bool]) -> ColumnElement[bool]:
    """A topic the viewer may see: shared (or theirs), and not held back from them (`shown`: its meeting
    has started, when held-back topics show to both). The agenda's one privacy rule, here and in reads.py."""
    return and_(
        or_(Topic.visibility == Visibility.SHARED, Topic.author_id == viewer_id),
        or_(Topic.held_back.is_(False), Topic.author_id == viewer_id, shown),
    )


def _shown(meeting: Meeting | None, now: datetime | None) -> ColumnElement[bool]:
    # Decided for the agenda's meeting as a whole: a concern carried over from a skipped meeting waits
    # for the start of the meeting it is now on. Without `now`, held back (never shown early).
    return true() if shown_to_both(meeting.starts_at if meeting else None, now) else false()


def topics_for(
    session: Session, pair_id: int, meeting: Meeting | None, viewer_id: int, now: datetime | None = None
) -> Sequence[Topic]:
    """Topics on this meeting's agenda, plus ones added before any meeting was scheduled, as the viewer
    sees them at `now` (a held-back concern of the other person's only once the meeting has started)."""
    query = _visible_open_topics(pair_id, viewer_id, _shown(meeting, now))
    on_this = (
        Topic.meeting_id.is_(None)
        if meeting is None
        else or_(Topic.meeting_id == meeting.id, Topic.meeting_id.is_(None))
    )
    return session.scalars(query.where(on_this).order_by(Topic.id)).all()


def carried_over(
    session: Session, pair_id: int, meeting: Meeting | None, viewer_id: int, now: datetime | None = None
) -> Sequence[Topic]:
    """Open topics of earlier meetings of the pair: not covered, so they come along."""
    query = _visible_open_topics(pair_id, viewer_id, _shown(meeting, now))
    query = query.join(Meeting, Meeting.id == Topic.meeting_id)
    if meeting is not None:
        query = query.where(Meeting.id != meeting.id, Meeting.starts_at < meeting.starts_at)
    return session.scalars(query.order_by(Meeting.starts_at, Topic.id)).all()


def templated_topics(
    session: Session, pair_id: int, meeting: Meeting, viewer_id: int, now: datetime | None
) -> Sequence[Topic]:
    """The templated topics a summary of `meeting` records outcomes for, oldest first: those on its agenda
    still open, and those it covered already (the other person's summary ticked them), as the viewer sees
    them at `now`."""
    on_this = or_(
        Topic.meeting_id == meeting.id,
        and_(Topic.meeting_id.is_(None), Topic.status == TopicStatus.OPEN),
    )
    return session.scalars(
        select(Topic)
        .where(
            Topic.pair_id == pair_id,
            Topic.kind != TopicKind.PLAIN,
            Topic.status != TopicStatus.DROPPED,
            on_this,
            visible_topic(viewer_id, _shown(meeting, now)),
        )
        .order_by(Topic.id)
    ).all()


def open_actions(session: Session, pair_id: int) -> Sequence[ActionItem]:
    return session.scalars(
        select(ActionItem)
        .where(ActionItem.pair_id == pair_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
    ).all()


def own_notes(session: Session, pair_id: int, author_id: int, limit: int = 5) -> Sequence[str]:
    """The author's own private notes for the pair, newest first; nobody else's."""
    return session.scalars(
        select(Note.text)
        .where(Note.pair_id == pair_id, Note.author_id == author_id)
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit)
    ).all()


def add_action_item(
    session: Session,
    *,
    pair_id: int,
    owner_id: int,
    created_by_id: int,
    text: str,
    due: date | None,
    now: datetime,
    meeting_id: int | None = None,
) -> ActionItem:
    """A new open action item of the pair (from `add-action`, or from a meeting's summary), with its id."""
    item = ActionItem(
        pair_id=pair_id,
        meeting_id=meeting_id,
        owner_id=owner_id,
        created_by_id=created_by_id,
        text=text,
        due_date=due,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def source_taken(session: Session, source: str) -> bool:
    """Whether a topic (placed or pending) already came from this submission or message."""
    return (
        session.scalar(select(Topic.id).where(Topic.source == source)) is not None
        or session.scalar(select(PendingTopic.id).where(PendingTopic.source == source)) is not None
    )


def cover_topics(session: Session, pair_id: int, topic_ids: list[int]) -> None:
    """Mark these topics covered: only the pair's own (a crafted id of another pair's changes nothing)."""
    if topic_ids:
        session.execute(
            update(Topic)
            .where(Topic.id.in_(topic_ids), Topic.pair_id == pair_id)
            .values(status=TopicStatus.COVERED)
            .execution_options(synchronize_session=False)
        )


def release_held_back(session: Session, meeting_id: int) -> None:
    """A meeting was held: its held-back concerns were before both of them, and stay shown from now on."""
    session.execute(
        update(Topic)
        .where(Topic.meeting_id == meeting_id, Topic.held_back.is_(True))
        .values(held_back=False)
        .execution_options(synchronize_session=False)
    )


def summary_from(session: Session, source: str) -> int | None:
    """The summary a submission already stored, if it was delivered before."""
    return session.scalar(select(Summary.id).where(Summary.source == source))


def meeting_record(
    session: Session, meeting_id: int
) -> tuple[Sequence[Summary], Sequence[ActionItem], Sequence[str]]:
    """What was recorded of a meeting: its summaries, its action items, the texts of the topics covered."""
    summaries = session.scalars(select(Summary).where(Summary.meeting_id == meeting_id).order_by(Summary.id))
    actions = session.scalars(
        select(ActionItem).where(ActionItem.meeting_id == meeting_id).order_by(ActionItem.id)
    )
    covered = session.scalars(
        select(Topic.text)
        .where(Topic.meeting_id == meeting_id, Topic.status == TopicStatus.COVERED)
        .order_by(Topic.id)
    )
    return summaries.all(), actions.all(), covered.all()


def add_outcomes(
    session: Session, summary_id: int, outcomes: Sequence[tuple[int, str, str]], now: datetime
) -> None:
    """A summary's template outcomes: (topic id, step key, text) each, checked by the caller."""
    session.add_all(
        TemplateOutcome(summary_id=summary_id, topic_id=topic_id, step=step, text=text, created_at=now)
        for topic_id, step, text in outcomes
    )


def meeting_outcomes(session: Session, meeting_id: int) -> Sequence[tuple[Topic, TemplateOutcome, int]]:
    """What the meeting's summaries recorded per template step: (topic, outcome, the summary's author id),
    by topic, then in the order the summaries were written."""
    rows = session.execute(
        select(Topic, TemplateOutcome, Summary.author_id)
        .join(TemplateOutcome, TemplateOutcome.topic_id == Topic.id)
        .join(Summary, Summary.id == TemplateOutcome.summary_id)
        .where(Summary.meeting_id == meeting_id)
        .order_by(Topic.id, Summary.id, TemplateOutcome.id)
    )
    return [(topic, outcome, author_id) for topic, outcome, author_id in rows]
