"""Retention (issue 15, part 6), against a real database: with CONTENT_RETENTION_MONTHS the clock's job
deletes what meetings that ended before the cut-off held (summaries, their template outcomes, topics covered
or dropped, private notes, action items done, pulse checks), a batch at a time, and logs counts only; the
meetings themselves, open topics and open action items stay, and so does everything younger."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select, text

from bot import processes
from bot.clock import RETENTION_SECONDS, schedule_retention, schedule_ticks
from bot.config import Settings
from bot.domain.agenda import TopicStatus
from bot.domain.cadence import Cadence
from bot.services import retention
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    Meeting,
    Note,
    Pair,
    Person,
    PulseCheck,
    Series,
    Summary,
    TemplateOutcome,
    Topic,
    Workspace,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OLD_WORDS = "thirteen-month-old confidences"  # what the old meeting's rows say: never in the log


def meeting_with_content(sessions: SessionFactory, ended: datetime, words: str) -> int:
    """A meeting that ended at `ended` with one row of each kind of content; returns its id."""
    with sessions.begin() as session:
        workspace = session.scalar(select(Workspace)) or Workspace(slack_team_id="T0001", created_at=NOW)
        session.add(workspace)
        session.flush()
        pair = session.scalar(select(Pair))
        if pair is None:
            a, b = (Person(workspace_id=workspace.id, slack_user_id=u, created_at=NOW) for u in ("UA", "UB"))
            session.add_all([a, b])
            session.flush()
            pair = Pair(
                workspace_id=workspace.id, member_a_id=a.id, member_b_id=b.id, manager_id=a.id, created_at=NOW
            )
            session.add(pair)
            session.flush()
            session.add(
                Series(
                    pair_id=pair.id,
                    cadence=Cadence.WEEKLY,
                    weekday=1,
                    local_time=time(10),
                    duration_minutes=30,
                    timezone="UTC",
                    first_date=date(2025, 1, 7),
                    materialised_until=NOW,
                    created_by_id=a.id,
                    created_at=NOW,
                )
            )
            session.flush()
        series_id = session.scalar(select(Series.id))
        a_id, b_id = pair.member_a_id, pair.member_b_id
        meeting = Meeting(
            series_id=series_id,
            pair_id=pair.id,
            local_date=ended.date(),
            starts_at=ended - timedelta(minutes=30),
            ends_at=ended,
            prompt_at=ended - timedelta(days=1),
            created_at=ended,
        )
        session.add(meeting)
        session.flush()
        covered = Topic(
            pair_id=pair.id,
            meeting_id=meeting.id,
            author_id=a_id,
            text=f"covered {words}",
            status=TopicStatus.COVERED,
            created_at=ended,
        )
        still_open = Topic(
            pair_id=pair.id, meeting_id=meeting.id, author_id=a_id, text=f"open {words}", created_at=ended
        )
        summary = Summary(
            meeting_id=meeting.id,
            author_id=a_id,
            key_points=f"points {words}",
            source=f"v{meeting.id}",
            created_at=ended,
        )
        session.add_all([covered, still_open, summary])
        session.flush()
        session.add_all(
            [
                TemplateOutcome(
                    summary_id=summary.id,
                    topic_id=covered.id,
                    step="will",
                    text=f"will {words}",
                    created_at=ended,
                ),
                ActionItem(
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    owner_id=b_id,
                    created_by_id=a_id,
                    text=f"done {words}",
                    done_at=ended,
                    created_at=ended,
                ),
                ActionItem(
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    owner_id=b_id,
                    created_by_id=a_id,
                    text=f"open {words}",
                    created_at=ended,
                ),
                Note(
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    author_id=b_id,
                    text=f"note {words}",
                    created_at=ended,
                ),
                PulseCheck(meeting_id=meeting.id, pair_id=pair.id, person_id=b_id, happy=2, updated_at=ended),
            ]
        )
        return meeting.id


def held(sessions: SessionFactory, meeting_id: int) -> dict[str, int]:
    """How much of each kind of content the meeting holds."""
    queries = {
        "summaries": select(func.count()).select_from(Summary).where(Summary.meeting_id == meeting_id),
        "template outcomes": select(func.count())
        .select_from(TemplateOutcome)
        .join(Summary, Summary.id == TemplateOutcome.summary_id)
        .where(Summary.meeting_id == meeting_id),
        "topics": select(func.count()).select_from(Topic).where(Topic.meeting_id == meeting_id),
        "action items": select(func.count())
        .select_from(ActionItem)
        .where(ActionItem.meeting_id == meeting_id),
        "notes": select(func.count()).select_from(Note).where(Note.meeting_id == meeting_id),
        "pulse checks": select(func.count())
        .select_from(PulseCheck)
        .where(PulseCheck.meeting_id == meeting_id),
        "meeting": select(func.count()).select_from(Meeting).where(Meeting.id == meeting_id),
    }
    with sessions() as session:
        return {name: session.scalar(query) or 0 for name, query in queries.items()}


EVERYTHING = {
    "summaries": 1,
    "template outcomes": 1,
    "topics": 2,
    "action items": 2,
    "notes": 1,
    "pulse checks": 1,
    "meeting": 1,
}


def test_a_meeting_older_than_the_limit_loses_its_content_a_younger_one_keeps_it(
    sessions: SessionFactory, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    old = meeting_with_content(sessions, NOW - timedelta(days=396), OLD_WORDS)  # 13 months ago
    young = meeting_with_content(sessions, NOW - timedelta(days=335), "eleven months")  # 11 months ago
    settings = replace(Settings.from_env({"CONTENT_RETENTION_MONTHS": "12"}))

    with caplog.at_level(logging.INFO, logger="bot.services"):
        deleted = retention.run_retention(sessions, NOW, settings)

    # What goes: the content; what stays: the meeting (a date, no words), the open topic and action item.
    assert held(sessions, old) == {
        "summaries": 0,
        "template outcomes": 0,
        "topics": 1,
        "action items": 1,
        "notes": 0,
        "pulse checks": 0,
        "meeting": 1,
    }
    with sessions() as session:
        kept = session.scalars(select(Topic.status).where(Topic.meeting_id == old)).all()
        assert kept == [TopicStatus.OPEN]
        assert session.scalar(select(ActionItem.done_at).where(ActionItem.meeting_id == old)) is None
    assert held(sessions, young) == EVERYTHING
    assert +deleted == Counter(
        {
            "template outcomes": 1,
            "summaries": 1,
            "topics": 1,
            "notes": 1,
            "action items done": 1,
            "pulse checks": 1,
        }
    )
    # Counts only in the log, never what anyone wrote.
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retention:")]
    assert lines == [
        "retention: deleted 1 template outcomes, 1 summaries, 1 topics, 1 notes, 1 action items done, "
        "1 pulse checks (meetings that ended before 2025-12-01)"
    ]
    assert "thirteen" not in caplog.text and "confidences" not in caplog.text
    if engine.dialect.name == "sqlite":  # the search index (migration 0015) says what the tables say
        with engine.connect() as connection:
            for table in ("summary", "topic", "action_item", "note"):
                connection.execute(
                    text(f"INSERT INTO search_{table}(search_{table}) VALUES ('integrity-check')")
                )


def test_by_default_content_is_kept(sessions: SessionFactory) -> None:
    old = meeting_with_content(sessions, NOW - timedelta(days=3650), OLD_WORDS)

    assert retention.run_retention(sessions, NOW, Settings.from_env({})) == Counter()
    assert held(sessions, old) == EVERYTHING


def test_content_goes_a_batch_at_a_time(sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    old = meeting_with_content(sessions, NOW - timedelta(days=400), OLD_WORDS)
    with sessions.begin() as session:
        pair_id, author = session.execute(select(Pair.id, Pair.member_a_id)).one()
        session.add_all(
            Note(pair_id=pair_id, meeting_id=old, author_id=author, text=f"n{n}", created_at=NOW)
            for n in range(6)
        )
    monkeypatch.setattr(retention, "BATCH", 3)
    batches: list[int] = []
    real = retention.store.delete_some

    def counted(session: Any, model: Any, where: Any, limit: int) -> int:
        count = real(session, model, where, limit)
        if model is Note:
            batches.append(count)
        return count

    monkeypatch.setattr(retention.store, "delete_some", counted)

    deleted = retention.delete_old_content(sessions, NOW, 12)

    assert batches == [3, 3, 1] and deleted["notes"] == 7  # each batch its own transaction
    assert held(sessions, old)["notes"] == 0


def test_the_clock_runs_it_hourly_beside_the_tick_and_a_failure_is_logged(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    old = meeting_with_content(sessions, NOW - timedelta(days=400), OLD_WORDS)
    settings = Settings.from_env({"CONTENT_RETENTION_MONTHS": "12"})
    schedule_ticks(scheduler, lambda: None, lambda: NOW)
    schedule_retention(scheduler, processes._retention(settings, sessions, lambda: NOW), lambda: NOW)

    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"tick", "retention"}  # a long deletion never holds up a tick
    job = jobs["retention"]
    assert job.coalesce is True and job.max_instances == 1 and job.next_run_time == NOW
    assert job.trigger.interval.total_seconds() == RETENTION_SECONDS == 3600
    job.func()
    assert held(sessions, old)["summaries"] == 0

    def broken() -> None:
        raise RuntimeError("database went away")

    schedule_retention(scheduler, broken, lambda: NOW)
    scheduler.get_jobs()[-1].func()  # must not raise: the next run tries again
    assert "deleting by retention failed" in caplog.text
