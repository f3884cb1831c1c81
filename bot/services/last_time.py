""" "Last time" (issue 14, part 3): what the pair's previous meeting agreed, at the top of the next prompt
and agenda; and a kind word when the report's agenda is only status updates."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.domain.last_time import digest, nudge_question, only_status_updates
from bot.domain.templates import TopicKind
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
    return last_time_from(
        previous.id,
        previous.starts_at,
        store.key_points(session, previous.id),
        done_since=store.done_since(session, pair.id, previous.ends_at),
        not_covered=store.not_covered(session, previous.id, viewer.id),
    )


def last_time_from(
    meeting_id: int,
    starts_at: datetime,
    key_points: Sequence[str],
    *,
    done_since: Iterable[str],
    not_covered: Iterable[str],
) -> LastTime:
    """ "Last time" from what the previous held meeting left (its summaries' key points as written): the one
    rule for the prompt, the Home tab and `/1on1 agenda` (bot/services/agenda.py, from the rows it read)."""
    read = digest(key_points)
    return LastTime(
        meeting_id=meeting_id,
        starts_at=starts_at,
        key_points=read.points,
        more=read.more,
        decisions=read.decisions,
        done_since=list(done_since),
        not_covered=list(not_covered),
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
    return nudge_of(
        report.slack_user_id,
        ((t.text, t.kind) for t in topics if t.author_id == report.id),
        NudgeAsk(
            viewer.question_suggestions,
            meeting.question_key,
            f"{pair.id}:{meeting.id}",
            history=lambda: store.question_history(session, pair.id),
            retired=lambda: questions_store.retired_keys(session, pair.id),
        ),
    )


@dataclass(frozen=True)
class NudgeAsk:
    """What the nudge's question is chosen from; `history` and `retired` are read only when it is asked."""

    suggestions: bool  # the viewer's Settings: off, the kind word comes without a question
    question_key: str | None  # the meeting's own question
    seed: str  # "pair:meeting", so the choice is stable for the meeting
    history: Callable[[], Sequence[str]]  # the pair's questions shown, oldest first
    retired: Callable[[], Collection[str]]  # the ones said "Not useful" of


def nudge_of(
    report_user_id: str, report_topics: Iterable[tuple[str, TopicKind]], ask: NudgeAsk
) -> StatusNudge | None:
    """The nudge from the report's topics on the agenda (text, kind) as the viewer sees them: None unless they
    are only status updates. The one rule for the prompt, the Home tab and `/1on1 agenda`."""
    if not only_status_updates(report_topics):
        return None
    # Someone who turned question suggestions off (Settings) still hears the kind word, without a question.
    question = (
        nudge_question(ask.question_key, ask.history(), ask.retired(), seed=ask.seed)
        if ask.suggestions
        else None
    )
    return StatusNudge(
        report_user_id=report_user_id,
        question=question.text if question else None,
        question_key=question.key if question else None,
    )
