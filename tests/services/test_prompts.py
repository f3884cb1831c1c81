"""Before a meeting: both asked for topics at the lead time, the report first, once, with a new question."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from bot.domain.outbox import MessageKind
from bot.services import series
from bot.services.pairs import Actor
from bot.services.prompts import queue_due_prompts
from bot.store import prompts as prompt_store
from bot.store.db import SessionFactory
from bot.store.models import Meeting
from tests.services.conftest import FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, meeting, queued
from tests.services.people import AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB


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


def test_every_prompt_due_is_queued_however_many_batches_it_takes(
    sessions: SessionFactory, weekly: Weekly, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")
    monkeypatch.setattr(prompt_store, "BATCH", 1)
    assert queue_due_prompts(sessions, SET_UP) == 4


def test_a_prompt_keeps_its_key_and_the_meeting_is_marked_asked_with_its_question(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    ends = int(FIRST_END.timestamp())
    queue_due_prompts(sessions, SET_UP)
    assert [(m["key"], m["meeting_id"], m["params"]) for m in addressed(sessions, MessageKind.PROMPT)] == [
        (f"prompt:{first}:{weekly.bob_id}:{ends}", first, {"meeting_id": first}),
        (f"prompt:{first}:{weekly.alice_id}:{ends}", first, {"meeting_id": first}),
    ]
    asked = meeting(sessions, first)
    assert asked.prompt_queued_at == SET_UP and asked.question_key is not None


def test_a_skipped_meeting_still_ahead_is_not_asked_about_and_the_next_one_is(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    series.skip_next(sessions, SET_UP, AS_BOB, None)  # 1 Dec; then the clock was down a week
    queue_due_prompts(sessions, SECOND - timedelta(hours=24))  # both prompts due in one tick
    assert _prompted(sessions, first) == []
    assert _prompted(sessions, second) == [weekly.bob_id, weekly.alice_id]
    skipped = meeting(sessions, first)
    assert (skipped.prompt_queued_at, skipped.question_key) == (SECOND - timedelta(hours=24), None)


def test_a_meeting_over_by_the_time_its_prompt_is_queued_is_not_asked_about(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    queue_due_prompts(sessions, FIRST_END)  # the clock was down until the 1 Dec meeting ended
    assert _prompted(sessions, weekly.meeting_ids[0]) == []


def _three_weeks_ahead(sessions: SessionFactory, caller: Actor, other: str) -> list[int]:
    """A series asked about three weeks ahead: its first three meetings' prompts are all due at SET_UP."""
    request = series.ScheduleRequest(other, "weekly", 1, time(10), lead=timedelta(days=20))
    scheduled = series.schedule(sessions, SET_UP, caller, request, BERLIN)
    with sessions() as session:
        query = select(Meeting.id).where(Meeting.series_id == scheduled.series_id).order_by(Meeting.starts_at)
        return list(session.scalars(query).all()[:3])


def test_meetings_prompted_in_one_tick_get_different_questions_and_each_pair_its_own(
    sessions: SessionFactory,
) -> None:
    ours = _three_weeks_ahead(sessions, AS_ALICE, BOB)
    theirs = _three_weeks_ahead(sessions, AS_CAROL, "UDAVE001")
    assert queue_due_prompts(sessions, SET_UP) == 12
    our_keys = [meeting(sessions, m).question_key for m in ours]
    their_keys = [meeting(sessions, m).question_key for m in theirs]
    assert None not in our_keys and len(set(our_keys)) == 3
    assert our_keys != their_keys
