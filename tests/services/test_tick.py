"""One pass of everything due at an instant: idempotent for that instant."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.meetings import GRACE
from bot.domain.outbox import MessageKind
from bot.services import series
from bot.services.tick import REQUEST_MEMORY, TickReport, run_tick
from bot.store import requests
from bot.store.db import SessionFactory
from bot.store.requests import Claim
from tests.services.conftest import FIRST_END, SET_UP, Weekly
from tests.services.helpers import queued
from tests.services.people import AS_ALICE


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


def test_a_tick_reports_when_it_ran_and_what_it_did(sessions: SessionFactory, weekly: Weekly) -> None:
    series.skip_next(sessions, SET_UP, AS_ALICE, None)  # 1 Dec: nothing to ask about afterwards
    week = SET_UP + timedelta(days=8)  # one more meeting row; the 8 Dec prompts are due
    report = run_tick(sessions, week)
    assert report == TickReport(week, meetings_materialised=1, messages_queued=2)


def test_two_ticks_add_up_at_the_later_ones_instant() -> None:
    earlier = TickReport(SET_UP, meetings_materialised=3, messages_queued=5)
    later = TickReport(FIRST_END, meetings_materialised=1, messages_queued=2)
    assert earlier.plus(later) == TickReport(FIRST_END, meetings_materialised=4, messages_queued=7)
