"""A pair's pulse checks (bot/store/models.py PulseCheck): one person's tap stored, the pair's latest read.

Always by one pair or one meeting: nothing here reads scores across pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.pulse import WINDOW, Feeling
from bot.store.models import Meeting, PulseCheck


@dataclass(frozen=True)
class Check:
    """One person's answers before one meeting, None for a feeling not tapped."""

    meeting_id: int
    starts_at: datetime
    person_id: int
    scores: dict[Feeling, int | None]


def latest(session: Session, pair_id: int) -> list[Check]:
    """The checks of the pair's last WINDOW meetings that have one, oldest meeting first.

    Each meeting has at most one check per person of the pair, so the newest 2 × WINDOW rows hold at least
    the last WINDOW meetings with one (and a few rows of older meetings, dropped here).
    """
    rows = session.execute(
        select(PulseCheck, Meeting.starts_at)
        .join(Meeting, Meeting.id == PulseCheck.meeting_id)
        .where(PulseCheck.pair_id == pair_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(2 * WINDOW)
    ).all()
    kept: list[int] = []
    for check, _ in rows:
        if check.meeting_id not in kept and len(kept) < WINDOW:
            kept.append(check.meeting_id)
    checks = [_check(check, starts_at) for check, starts_at in rows if check.meeting_id in kept]
    return checks[::-1]


def own(session: Session, meeting_id: int, person_id: int) -> Check | None:
    """The person's check for the meeting, if they tapped anything yet."""
    found = session.execute(
        select(PulseCheck, Meeting.starts_at)
        .join(Meeting, Meeting.id == PulseCheck.meeting_id)
        .where(PulseCheck.meeting_id == meeting_id, PulseCheck.person_id == person_id)
    ).one_or_none()
    return _check(*found) if found else None


def record(
    session: Session, meeting: Meeting, person_id: int, feeling: Feeling, score: int, now: datetime
) -> None:
    """Set one feeling of the person's check for the meeting (made on their first tap). An ORM change, so
    the Home tab hook (bot/store/home.py) republishes the pair's two Home tabs.

    The caller holds the meeting's row lock (PostgreSQL) or the writer's turn (SQLite), so two taps of one
    person can't both make the row."""
    check = session.scalars(
        select(PulseCheck).where(PulseCheck.meeting_id == meeting.id, PulseCheck.person_id == person_id)
    ).one_or_none()
    if check is None:
        check = PulseCheck(meeting_id=meeting.id, pair_id=meeting.pair_id, person_id=person_id)
        session.add(check)
    setattr(check, feeling.value, score)
    check.updated_at = now


def _check(row: PulseCheck, starts_at: datetime) -> Check:
    scores = {feeling: getattr(row, feeling.value) for feeling in Feeling}
    return Check(row.meeting_id, starts_at, row.person_id, scores)
