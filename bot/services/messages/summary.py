"""The meeting's summary as posted to the pair: every part written, the template outcomes per step, the
action items, what was covered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.domain.templates import TopicKind, steps_of
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import agenda as agenda_store
from bot.store import people
from bot.store.models import Meeting, OutboxMessage, Pair, Person, TemplateOutcome, Topic


@dataclass(frozen=True)
class SummaryPart:
    author_user_id: str
    key_points: str


@dataclass(frozen=True)
class SummaryAction:
    id: int
    text: str
    owner_user_id: str
    due: date | None
    done: bool


@dataclass(frozen=True)
class StepOutcome:
    """What was written for one step: (author's Slack id, text) per summary that wrote it."""

    step: str  # its key in the topic's template
    written: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TopicOutcomes:
    """A templated topic's outcomes, its steps in the template's order."""

    kind: TopicKind
    text: str
    steps: tuple[StepOutcome, ...]


@dataclass(frozen=True)
class SummaryView:
    meeting_id: int
    starts_at: datetime
    timezone: str  # for the fallback text; Slack shows each reader their own zone
    member_user_ids: tuple[str, str]
    parts: tuple[SummaryPart, ...]
    actions: tuple[SummaryAction, ...]
    covered: tuple[str, ...]
    outcomes: tuple[TopicOutcomes, ...] = ()


def load_summary(session: Session, row: OutboxMessage, now: datetime) -> SummaryView | None:
    meeting = session.get(Meeting, row.params["meeting_id"])
    pair = session.get(Pair, meeting.pair_id) if meeting else None
    if meeting is None or pair is None:
        return None
    by_id = people.SlackIds(session, pair)
    summaries, actions, covered = agenda_store.meeting_record(session, meeting.id)
    recipient = session.get(Person, row.recipient_id) if row.recipient_id else pair.member_a
    return SummaryView(
        meeting_id=meeting.id,
        starts_at=meeting.starts_at,
        timezone=(recipient.timezone if recipient else None) or FALLBACK_TIMEZONE,
        member_user_ids=(pair.member_a.slack_user_id, pair.member_b.slack_user_id),
        parts=tuple(SummaryPart(by_id[s.author_id], s.key_points) for s in summaries if s.key_points),
        actions=tuple(
            SummaryAction(a.id, a.text, by_id[a.owner_id], a.due_date, a.done_at is not None) for a in actions
        ),
        covered=tuple(covered),
        outcomes=_outcomes(agenda_store.meeting_outcomes(session, meeting.id), by_id),
    )


def _outcomes(
    rows: Sequence[tuple[Topic, TemplateOutcome, int]], by_id: dict[int, str]
) -> tuple[TopicOutcomes, ...]:
    topics: dict[int, Topic] = {}
    written: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for topic, outcome, author_id in rows:
        topics[topic.id] = topic
        written.setdefault((topic.id, outcome.step), []).append((by_id[author_id], outcome.text))
    found = (
        TopicOutcomes(
            topic.kind,
            topic.text,
            tuple(
                StepOutcome(step.key, tuple(written[topic.id, step.key]))
                for step in steps_of(topic.kind)
                if (topic.id, step.key) in written
            ),
        )
        for topic in topics.values()
    )
    return tuple(outcomes for outcomes in found if outcomes.steps)  # a step no template has: not shown
