""" "Last time" (issue 14, part 3): what the pair's previous meeting agreed, at the top of the next prompt
and agenda; and a kind word when the report's agenda is only status updates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.last_time import digest, nudge_question, only_status_updates
from bot.store import agenda as agenda_store
from bot.store import last_time as store
from bot.store import questions as questions_store
from bot.store.models import Meeting, Pair, Person


@dataclass(frozen=True)
class LastTime:
    """What the previous held meeting left, as the viewer may see it (texts as written; shown escaped)."""

    meeting_id: int
    starts_at: datetime
    key_points: list[str]  # at most two lines, decisions aside
    more: bool  # the key points went on beyond those lines
    decisions: list[str] = field(default_factory=list)
    done_since: list[str] = field(default_factory=list)  # action items closed since it ended
    not_covered: list[str] = field(default_factory=list)  # its topics still open: they carried over


@dataclass(frozen=True)
class StatusNudge:
    """The report's agenda is only status updates: a question to try instead (None: none left to offer)."""

    report_user_id: str
    question: str | None
    question_key: str | None = None


def last_time_of(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime
) -> LastTime | None:
    """The previous meeting of the pair that was held and summarised; None when there is none."""
    previous = store.previous_held(session, pair.id, meeting, now)
    if previous is None:
        return None
    read = digest(store.key_points(session, previous.id))
    return LastTime(
        meeting_id=previous.id,
        starts_at=previous.starts_at,
        key_points=read.points,
        more=read.more,
        decisions=read.decisions,
        done_since=list(store.done_since(session, pair.id, previous.ends_at)),
        not_covered=list(store.not_covered(session, previous.id, viewer.id)),
    )


def status_nudge(session: Session, pair: Pair, viewer: Person, meeting: Meeting | None) -> StatusNudge | None:
    """A nudge when the report's topics on the meeting's agenda (as the viewer sees them) are only status
    updates; the manager's topics neither cause nor lift it: it is the report's meeting."""
    if meeting is None or pair.manager_id is None:
        return None
    report = pair.other(pair.manager_id)
    # Carried-over topics are on the agenda too: a GROW topic left from last time is not status.
    topics = [
        *agenda_store.topics_for(session, pair.id, meeting, viewer.id),
        *agenda_store.carried_over(session, pair.id, meeting, viewer.id),
    ]
    if not only_status_updates((t.text, t.kind) for t in topics if t.author_id == report.id):
        return None
    # Someone who turned question suggestions off (Settings) still hears the kind word, without a question.
    question = (
        nudge_question(
            meeting.question_key,
            store.question_history(session, pair.id),
            questions_store.retired_keys(session, pair.id),
            seed=f"{pair.id}:{meeting.id}",
        )
        if viewer.question_suggestions
        else None
    )
    return StatusNudge(
        report_user_id=report.slack_user_id,
        question=question.text if question else None,
        question_key=question.key if question else None,
    )
