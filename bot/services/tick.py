"""One pass of everything due at an instant: what the clock and `python -m bot tick` run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.db import SessionFactory


@dataclass(frozen=True)
class TickReport:
    at: datetime
    meetings_materialised: int = 0
    messages_queued: int = 0
    messages_sent: int = 0


def run_tick(sessions: SessionFactory, now: datetime) -> TickReport:
    # Scheduling arrives with series (issue 3); until then nothing can be due.
    return TickReport(at=now)
