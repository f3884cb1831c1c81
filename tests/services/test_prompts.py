"""Before a meeting: both asked for topics at the lead time, the report first, once, with a new question."""

from __future__ import annotations

from datetime import time, timedelta

from bot.domain.outbox import MessageKind
from bot.services import series
from bot.services.prompts import queue_due_prompts
from bot.store.db import SessionFactory
from tests.services.conftest import SECOND, SET_UP, Weekly
from tests.services.helpers import meeting, queued
from tests.services.people import AS_ALICE, AS_BOB, BERLIN, BOB


def _prompted(sessions: SessionFactory, meeting_id: int) -> list[int | None]:
    return [m.recipient_id for m in queued(sessions, MessageKind.PROMPT) if m.meeting_id == meeting_id]


def test_both_are_asked_once_at_the_lead_time_the_report_first(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    second = weekly.meeting_ids[1]
    queue_due_prompts(sessions, SECOND - timedelta(hours=24, minutes=1))
    assert _prompted(sessions, second) == []
    for _ in range(2):  # a second tick at the same instant, or a later one, asks nobody again
        queue_due_prompts(sessions, SECOND - timedelta(hours=24))
    queue_due_prompts(sessions, SECOND - timedelta(hours=1))
    assert _prompted(sessions, second) == [weekly.bob_id, weekly.alice_id]


def test_a_meeting_sooner_than_the_lead_is_asked_about_at_once(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_due_prompts(sessions, SET_UP)  # set up a day before the first meeting: its prompt is due now
    assert _prompted(sessions, weekly.meeting_ids[0]) == [weekly.bob_id, weekly.alice_id]


def test_each_meeting_gets_a_question_the_pair_has_not_seen(sessions: SessionFactory, weekly: Weekly) -> None:
    for index in range(len(weekly.meeting_ids)):
        queue_due_prompts(sessions, SECOND + timedelta(weeks=index - 1, hours=-24))
    keys = [meeting(sessions, m).question_key for m in weekly.meeting_ids]
    assert None not in keys and len(set(keys)) == len(keys)


def test_a_skipped_or_cancelled_meeting_is_not_asked_about(sessions: SessionFactory, weekly: Weekly) -> None:
    series.skip_next(sessions, SET_UP, AS_BOB, None)  # 1 Dec
    series.cancel(sessions, SET_UP + timedelta(days=1), AS_ALICE, weekly.series_id)  # 8 Dec onwards
    queue_due_prompts(sessions, SET_UP + timedelta(weeks=6))
    assert queued(sessions, MessageKind.PROMPT) == []
    assert meeting(sessions, weekly.meeting_ids[0]).question_key is None


def test_the_lead_time_is_the_series_own(sessions: SessionFactory) -> None:
    request = series.ScheduleRequest(BOB, "weekly", 1, time(10), lead=timedelta(hours=2))
    scheduled = series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    first = scheduled.first_starts_at
    assert queue_due_prompts(sessions, first - timedelta(hours=2, minutes=1)) == 0
    assert queue_due_prompts(sessions, first - timedelta(hours=2)) == 2
