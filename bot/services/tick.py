"""One pass of everything due at an instant: what the clock and `python -m bot tick` run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.followups import chase_unrecorded, queue_followups
from bot.services.materialise import materialise_due
from bot.services.prompts import queue_due_prompts
from bot.store import heartbeats, requests
from bot.store.db import SessionFactory

REQUEST_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class TickReport:
    at: datetime
    meetings_materialised: int = 0
    messages_queued: int = 0  # prompts, follow-ups and nudges

    def plus(self, later: TickReport) -> TickReport:
        """Two ticks' work as one, at the later one's instant."""
        return TickReport(
            later.at,
            self.meetings_materialised + later.meetings_materialised,
            self.messages_queued + later.messages_queued,
        )


def run_tick(sessions: SessionFactory, now: datetime) -> TickReport:
    """Materialise meetings and queue what is due; delivery is the outbox's job. Idempotent for `now`."""
    with sessions.begin() as session:
        # Slack retries within minutes; a day of handled request keys is plenty.
        requests.forget_before(session, now - REQUEST_MEMORY)
        heartbeats.beat(session, heartbeats.CLOCK, now)  # what /healthz reports as the clock's last tick
    return TickReport(
        at=now,
        meetings_materialised=materialise_due(sessions, now),
        messages_queued=queue_due_prompts(sessions, now)
        + queue_followups(sessions, now)
        + chase_unrecorded(sessions, now),
    )
