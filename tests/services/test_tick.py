"""One pass of everything due at an instant: idempotent for that instant."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.meetings import GRACE
from bot.domain.outbox import MessageKind
from bot.services.tick import REQUEST_MEMORY, run_tick
from bot.store import requests
from bot.store.db import SessionFactory
from bot.store.requests import Claim
from tests.services.conftest import FIRST_END, SET_UP, Weekly
from tests.services.helpers import queued


def test_a_tick_does_what_is_due_once(sessions: SessionFactory, weekly: Weekly) -> None:
    for at in (SET_UP, FIRST_END, FIRST_END + GRACE):  # prompts, follow-ups, nudges
        first = run_tick(sessions, at)
        again = run_tick(sessions, at)
        assert first.messages_queued == 2 and (again.meetings_materialised, again.messages_queued) == (0, 0)
    kinds = [m.kind for m in queued(sessions) if m.meeting_id == weekly.meeting_ids[0]]
    assert kinds == [MessageKind.PROMPT] * 2 + [MessageKind.FOLLOW_UP] * 2 + [MessageKind.NUDGE] * 2


def test_a_tick_forgets_slack_requests_handled_over_a_day_ago(sessions: SessionFactory) -> None:
    for key, at in (("event:Ev1", SET_UP), ("event:Ev2", SET_UP + timedelta(hours=1))):
        with sessions.begin() as session:
            assert requests.claim(session, key, at) is Claim.MINE
            requests.finish(session, key)
    later = SET_UP + REQUEST_MEMORY + timedelta(minutes=30)
    run_tick(sessions, later)
    with sessions.begin() as session:
        # Forgotten: a redelivery now would be handled afresh. Remembered: answered without doing it again.
        assert requests.claim(session, "event:Ev1", later) is Claim.MINE
        assert requests.claim(session, "event:Ev2", later) is Claim.DONE
