"""The pulse (issue 14, part 1): a person's one-tap check-in before a meeting, and the pair's trend.

Only the two people of the pair ever see a pulse; no score is logged or summed across pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.pulse import NOT_AHEAD, OFF, Feeling, Run, check_open, notable_runs, offered, still_open
from bot.services.pairs import Actor, own_meeting
from bot.services.people import FALLBACK_TIMEZONE
from bot.store import pulse as store
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Pair, Person

if TYPE_CHECKING:
    from bot.services.agenda import AgendaView


@dataclass(frozen=True)
class CheckIn:
    """The viewer's own check-in for the meeting ahead: what they tapped so far (None: not yet)."""

    meeting_id: int
    scores: dict[Feeling, int | None]


@dataclass(frozen=True)
class Trend:
    """One person's pulse over the trend's meetings, oldest first (None: no answer that meeting)."""

    user_id: str
    is_viewer: bool
    leads: bool  # the manager's own pulse (they turned it on)
    values: dict[Feeling, tuple[int | None, ...]]
    runs: tuple[Run, ...]  # what is worth saying in words


@dataclass(frozen=True)
class PulseView:
    """The pair's pulse as one of the two sees it: their check-in (in a prompt) and the trend."""

    check_in: CheckIn | None
    meetings: int  # how many meetings the trend spans (the last WINDOW with a pulse at most)
    trends: tuple[Trend, ...]  # the report's first


def pulse_view(
    session: Session, pair: Pair, viewer: Person, meeting: Meeting | None, now: datetime
) -> PulseView | None:
    """None when there is nothing to show: no check-in offered to the viewer and no pulse yet."""
    checks = store.latest(session, pair.id)
    check_in = (
        None
        if meeting is None
        else check_in_of(
            meeting.id,
            meeting.status,
            meeting.starts_at,
            now,
            i_lead(pair.manager_id, viewer.id),
            viewer.pulse_as_report,
            viewer.pulse_as_manager,
            viewer.id,
            checks,
            own=partial(store.own, session, meeting.id, viewer.id),
        )
    )
    return pulse_of(
        checks, check_in, pair.manager_id, viewer.id, lambda person_id: _member(pair, person_id).slack_user_id
    )


def pulse_of(
    checks: Sequence[store.Check],
    check_in: CheckIn | None,
    manager_id: int | None,
    viewer_id: int,
    user_id_of: Callable[[int], str],
) -> PulseView | None:
    """The pulse from the pair's latest checks (store `latest`'s, oldest first) and the viewer's check-in:
    None when there is nothing to show. The one rule for the prompt, the Home tab, a tap and `/1on1 agenda`
    (bot/services/agenda.py, from the rows it read at once); `user_id_of` gives a member's Slack id."""
    if check_in is None and not checks:
        return None
    meeting_ids = list(dict.fromkeys(check.meeting_id for check in checks))  # oldest first
    given = {(check.meeting_id, check.person_id): check for check in checks}
    people = sorted({check.person_id for check in checks}, key=lambda person_id: person_id == manager_id)
    trends = []
    for person_id in people:
        values = {
            feeling: tuple(
                check.scores[feeling] if (check := given.get((m, person_id))) else None for m in meeting_ids
            )
            for feeling in Feeling
        }
        trends.append(
            Trend(
                user_id=user_id_of(person_id),
                is_viewer=person_id == viewer_id,
                leads=person_id == manager_id,
                values=values,
                runs=tuple(notable_runs(values)),
            )
        )
    return PulseView(check_in, len(meeting_ids), tuple(trends))


def tap(
    sessions: SessionFactory, now: datetime, actor: Actor, meeting_id: int, feeling: Feeling, score: int
) -> AgendaView:
    """Store one tap of the actor's check-in (nothing on a refusal); the prompt as it now reads for them."""
    # The agenda shows the pulse (it imports this module): imported here, when a tap needs the whole prompt.
    from bot.services.agenda import build_agenda

    with sessions.begin() as session:
        meeting, pair, me = own_meeting(session, actor, meeting_id)
        check_open(meeting.status, meeting.starts_at, now)
        if not offered(i_lead(pair.manager_id, me.id), me.pulse_as_report, me.pulse_as_manager):
            raise DomainError(OFF)
        store.record(session, meeting, me.id, feeling, score, now)
        pair_id, person_id = pair.id, me.id
    # Read after the commit: the writer's turn is not held while the whole prompt is gathered.
    with sessions() as session:
        tapped, of_pair, viewer = (
            session.get(Meeting, meeting_id),
            session.get(Pair, pair_id),
            session.get(Person, person_id),
        )
        if tapped is None or of_pair is None or viewer is None:
            raise DomainError(NOT_AHEAD)  # deleted in between (their data erased): nothing left to show
        return build_agenda(session, of_pair, viewer, tapped, now, viewer.timezone or FALLBACK_TIMEZONE)


def check_in_of(
    meeting_id: int,
    status: MeetingStatus,
    starts_at: datetime,
    now: datetime,
    leads: bool | None,
    as_report: bool,
    as_manager: bool,
    viewer_id: int,
    checks: Sequence[store.Check],
    *,
    own: Callable[[], store.Check | None],
) -> CheckIn | None:
    """The viewer's check-in for the meeting, while it is still open and the pulse is offered to them.
    `own` gives their check for it, asked only when `checks` (the latest window) can't hold it."""
    if not still_open(status, starts_at, now) or not offered(leads, as_report, as_manager):
        return None
    mine = next((c for c in checks if (c.meeting_id, c.person_id) == (meeting_id, viewer_id)), None)
    if mine is None and checks and checks[0].starts_at > starts_at:
        mine = own()  # the window holds only meetings after this one
    return CheckIn(meeting_id, mine.scores if mine else dict.fromkeys(Feeling))


def i_lead(manager_id: int | None, person_id: int) -> bool | None:
    """Whether the person leads the pair (None: nobody does), as the pulse's offer reads it."""
    return None if manager_id is None else manager_id == person_id


def _member(pair: Pair, person_id: int) -> Person:
    return pair.member_a if pair.member_a_id == person_id else pair.member_b
