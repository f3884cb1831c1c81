"""Queueing the pre-meeting prompts that are due: both people, the report first, one question each meeting.

This runs every minute and may find 10,000 meetings due at once (everyone's Tuesday 10:00), so it
reads plain rows (bot/store/prompts.py) and writes with a few set-based statements per batch instead
of loading ORM objects. The question each meeting gets is the pair's next from the bank (bot/domain/
questions.py): never one they retired, and a wellbeing one when the report's stress is rising.

A meeting is due at the earliest either person wants to be asked (bot/store/series.prompt_lead); each
person's prompt then waits in the outbox for their own time: their own lead (Settings), else the 1:1's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind, outbox_key
from bot.domain.questions import PULSE_RECENT, pick_question, theme_for_pulse
from bot.domain.settings import own_prompt_time
from bot.services.away import hold_back
from bot.services.summary_thread import still_open_rows
from bot.store import meetings, outbox
from bot.store import prompts as prompt_store
from bot.store.db import SessionFactory


def queue_due_prompts(sessions: SessionFactory, now: datetime) -> int:
    """Queue every prompt whose time has come; one transaction per batch of meetings."""
    queued = 0
    while True:
        with sessions.begin() as session:
            batch = prompt_store.prompts_due(session, now)
            queued += _queue(session, batch, now)
        if len(batch) < prompt_store.BATCH:
            return queued


def _queue(session: Session, batch: Sequence[Row[Any]], now: datetime) -> int:
    if not batch:
        return 0
    questions = _Questions.read(session, {meeting.pair_id for meeting in batch}, now)
    prompted: list[int] = []
    asked: dict[int, str] = {}  # meeting id -> the question shown
    pair_of = {meeting.id: meeting.pair_id for meeting in batch}
    not_asked: list[int] = []
    own_times = _own_times(session, batch, now)
    # A paused series (someone's Slack account is deactivated) is passed over: marked queued, nothing sent;
    # resuming it makes its meetings still ahead due again (bot/services/leaving.py).
    askable = {meeting.id for meeting in batch if _askable(meeting, now)}
    # On either person's away day: recorded away, not prompted; the other person is told instead.
    away, rows = hold_back(session, [meeting for meeting in batch if meeting.id in askable], now)
    for meeting in batch:
        # Over, skipped or cancelled before its prompt was due (or someone is away, or gone): nothing to ask.
        if meeting.id not in askable or meeting.id in away:
            not_asked.append(meeting.id)
            continue
        prompted.append(meeting.id)
        key = questions.next_for(meeting.pair_id)
        if key is not None:
            asked[meeting.id] = key
        rows.extend(_prompt_rows(meeting, now, own_times.get(meeting.id, {})))
    # A meeting prompted without a question (its pair retired them all) is marked queued like the others.
    meetings.mark_prompted(session, now, asked, [*not_asked, *(m for m in prompted if m not in asked)])
    prompt_store.record_shown(session, [(pair_of[meeting_id], key) for meeting_id, key in asked.items()], now)
    # What the last meeting left open, said again in its summary's thread as this one's prompt goes out.
    rows.extend(still_open_rows(session, [(meeting_id, pair_of[meeting_id]) for meeting_id in prompted], now))
    return outbox.enqueue_many(session, rows)


def _askable(meeting: Row[Any], now: datetime) -> bool:
    return meeting.status is MeetingStatus.SCHEDULED and meeting.ends_at > now and meeting.paused_at is None


@dataclass
class _Questions:
    """What a batch's pairs were shown, found not useful, and how their reports' stress went: each pair's
    next question. Read with one query each for the whole batch (10,000 meetings can be due at once)."""

    history: dict[int, list[str]]
    retired: dict[int, frozenset[str]]
    stress: dict[int, list[int | None]]

    @classmethod
    def read(cls, session: Session, pair_ids: set[int], now: datetime) -> _Questions:
        return cls(
            prompt_store.question_history(session, pair_ids),
            prompt_store.retired_questions(session, pair_ids),
            prompt_store.report_stress(session, pair_ids, since=now - PULSE_RECENT),
        )

    def next_for(self, pair_id: int) -> str | None:
        """The pair's next question (None once they retired every one), remembered as shown: a pair with
        several meetings in the batch gets a new one for each."""
        question = pick_question(
            self.history[pair_id],
            seed=pair_id,
            # The question follows the pulse: the report's stress rising, or high, puts wellbeing first.
            prefer=theme_for_pulse(self.stress.get(pair_id, [])),
            retired=self.retired.get(pair_id, frozenset()),
        )
        if question is None:
            return None
        self.history[pair_id].append(question.key)
        return question.key


def _own_times(session: Session, batch: Sequence[Row[Any]], now: datetime) -> dict[int, dict[int, datetime]]:
    """Meeting id -> person id -> when their prompt may go, for those whose time is still ahead (the other
    person wanted it sooner). One query for the batch, and only when one of its people set a lead of their
    own: for the others the meeting is due at the 1:1's own lead, which is both people's time."""
    with_own = [meeting.id for meeting in batch if meeting.people_lead_minutes is not None]
    times: dict[int, dict[int, datetime]] = {}
    for meeting_id, leads in prompt_store.leads(session, with_own).items():
        series_lead = timedelta(minutes=leads.series_minutes)
        for person_id, own in leads.own_minutes.items():
            at = own_prompt_time(leads.starts_at, series_lead, own)
            if at > now:
                times.setdefault(meeting_id, {})[person_id] = at
    return times


def _prompt_rows(meeting: Row[Any], now: datetime, waits: dict[int, datetime]) -> list[dict[str, object]]:
    members = [meeting.member_a_id, meeting.member_b_id]
    # The report is asked first: it is their meeting.
    members.sort(key=lambda person_id: person_id == meeting.manager_id)
    return [
        {
            # The end time is in the key: a missed meeting rebooked to a new time is asked about again.
            "key": outbox_key(MessageKind.PROMPT, meeting.id, person_id, int(meeting.ends_at.timestamp())),
            "kind": MessageKind.PROMPT,
            "recipient_id": person_id,
            "meeting_id": meeting.id,
            "params": {"meeting_id": meeting.id},
            "now": now,
            # Each person is asked at their own time: the one who wants it later waits in the outbox.
            "not_before": waits.get(person_id, now),
        }
        for person_id in members
    ]
