"""Workspaces that leave (issue 15, part 5), against a real database: leaving drops what was queued there and
pauses its series; coming back resumes them; after the retention period every row of the workspace is
deleted, a batch at a time, and no row of another; the search index stays in step."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from bot.delivery.claims import prepare
from bot.delivery.jobs import Job
from bot.domain.agenda import TopicStatus
from bot.domain.cadence import Cadence
from bot.domain.outbox import DeliveryStatus
from bot.services import workspaces
from bot.store import workspaces as store
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    BusyInterval,
    HandoffRequest,
    Meeting,
    Note,
    OutboxMessage,
    Pair,
    PendingTopic,
    Person,
    PulseCheck,
    QuestionRetired,
    QuestionShown,
    Series,
    Summary,
    TemplateOutcome,
    TimeAway,
    Topic,
    Workspace,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEFT, STAYS = "TLEFT001", "TSTAYS01"
SECRET = "quarterly-reorganisation"  # a word only the leaving workspace's rows hold


def fill(sessions: SessionFactory, team: str, word: str = "") -> dict[str, int]:
    """A workspace with a row in every table (two people, their pair, a series, a meeting and all it
    holds); returns the ids of its workspace, people, pair and meeting."""
    with sessions.begin() as session:
        workspace = Workspace(slack_team_id=team, created_at=NOW)
        session.add(workspace)
        session.flush()
        a, b = (
            Person(
                workspace_id=workspace.id,
                slack_user_id=f"U{team}{n}",
                dm_channel_id=f"D{team}{n}",
                created_at=NOW,
            )
            for n in (1, 2)
        )
        session.add_all([a, b])
        session.flush()
        pair = Pair(
            workspace_id=workspace.id, member_a_id=a.id, member_b_id=b.id, manager_id=a.id, created_at=NOW
        )
        session.add(pair)
        session.flush()
        series = Series(
            pair_id=pair.id,
            cadence=Cadence.WEEKLY,
            weekday=1,
            local_time=time(10),
            duration_minutes=30,
            timezone="Europe/Berlin",
            first_date=date(2026, 12, 1),
            materialised_until=NOW + timedelta(days=60),
            created_by_id=a.id,
            created_at=NOW,
        )
        session.add(series)
        session.flush()
        meeting = Meeting(
            series_id=series.id,
            pair_id=pair.id,
            local_date=date(2026, 12, 8),
            starts_at=NOW + timedelta(days=7),
            ends_at=NOW + timedelta(days=7, minutes=30),
            prompt_at=NOW + timedelta(days=6),
            created_at=NOW,
        )
        session.add(meeting)
        session.flush()
        topic = Topic(
            pair_id=pair.id, meeting_id=meeting.id, author_id=a.id, text=f"topic {word}", created_at=NOW
        )
        summary = Summary(
            meeting_id=meeting.id,
            author_id=a.id,
            key_points=f"points {word}",
            source=f"v{team}",
            created_at=NOW,
        )
        session.add_all([topic, summary])
        session.flush()
        session.add_all(
            [
                TemplateOutcome(
                    summary_id=summary.id, topic_id=topic.id, step="will", text=f"will {word}", created_at=NOW
                ),
                ActionItem(
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    owner_id=b.id,
                    created_by_id=a.id,
                    text=f"do {word}",
                    created_at=NOW,
                ),
                Note(
                    pair_id=pair.id,
                    meeting_id=meeting.id,
                    author_id=b.id,
                    text=f"note {word}",
                    created_at=NOW,
                ),
                PendingTopic(author_id=b.id, text=f"pending {word}", source=f"dm:{team}", created_at=NOW),
                QuestionShown(pair_id=pair.id, question_key="q1", shown_at=NOW),
                QuestionRetired(pair_id=pair.id, question_key="q2", retired_by_id=b.id, retired_at=NOW),
                TimeAway(
                    person_id=b.id, first_day=date(2026, 12, 20), last_day=date(2026, 12, 24), created_at=NOW
                ),
                BusyInterval(person_id=a.id, starts_at=NOW, ends_at=NOW + timedelta(hours=1)),
                PulseCheck(meeting_id=meeting.id, pair_id=pair.id, person_id=b.id, happy=4, updated_at=NOW),
                HandoffRequest(pair_id=pair.id, new_manager_id=b.id, requested_by_id=a.id, created_at=NOW),
                # Unsent: to a person, about a meeting (a group DM), and straight to a DM channel.
                OutboxMessage(
                    key=f"p{team}",
                    kind="prompt",
                    recipient_id=a.id,
                    params={},
                    next_attempt_at=NOW,
                    created_at=NOW,
                ),
                OutboxMessage(
                    key=f"g{team}",
                    kind="summary",
                    meeting_id=meeting.id,
                    params={"group": [a.id, b.id]},
                    next_attempt_at=NOW,
                    created_at=NOW,
                ),
                OutboxMessage(
                    key=f"c{team}",
                    kind="no_meeting",
                    channel_id=b.slack_user_id,
                    params={},
                    next_attempt_at=NOW,
                    created_at=NOW,
                ),
            ]
        )
        return {"workspace": workspace.id, "a": a.id, "b": b.id, "pair": pair.id, "meeting": meeting.id}


def counts(sessions: SessionFactory) -> dict[str, int]:
    with sessions() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def rows_of(sessions: SessionFactory) -> dict[str, list[tuple[object, ...]]]:
    with sessions() as session:
        return {
            t.name: sorted(map(tuple, session.execute(select(t))), key=repr)
            for t in Base.metadata.sorted_tables
        }


def test_leaving_drops_what_was_queued_there_and_pauses_its_series(sessions: SessionFactory) -> None:
    gone, kept = fill(sessions, LEFT), fill(sessions, STAYS)

    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")

    with sessions() as session:
        outbox = {row.key: (row.status, row.last_error) for row in session.scalars(select(OutboxMessage))}
        paused = dict(session.execute(select(Series.pair_id, Series.paused_at)).all())
        workspace = session.scalar(select(Workspace).where(Workspace.slack_team_id == LEFT))
    dropped = (DeliveryStatus.DROPPED, store.UNINSTALLED)
    assert {key: outbox[key] for key in (f"p{LEFT}", f"g{LEFT}", f"c{LEFT}")} == dict.fromkeys(
        (f"p{LEFT}", f"g{LEFT}", f"c{LEFT}"), dropped
    )
    assert {outbox[key] for key in (f"p{STAYS}", f"g{STAYS}", f"c{STAYS}")} == {
        (DeliveryStatus.PENDING, None)
    }
    assert paused == {gone["pair"]: NOW, kept["pair"]: None}
    assert workspace is not None and workspace.uninstalled_at == NOW


def test_a_second_event_changes_nothing(sessions: SessionFactory) -> None:
    fill(sessions, LEFT)
    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")
    before = rows_of(sessions)

    workspaces.workspace_left(sessions, NOW + timedelta(minutes=1), LEFT, "tokens_revoked")
    workspaces.workspace_left(sessions, NOW, "TUNKNOWN", "app_uninstalled")  # never heard of: nothing to do

    assert rows_of(sessions) == before


def test_the_deliverer_drops_anything_queued_there_later(sessions: SessionFactory) -> None:
    """A message queued after the workspace left (by anything at all) is dropped when claimed, unsent."""
    gone, kept = fill(sessions, LEFT), fill(sessions, STAYS)
    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")
    lease = NOW + timedelta(minutes=1)
    with sessions.begin() as session:
        late = [
            OutboxMessage(key="late-dm", kind="prompt", recipient_id=gone["b"], params={}),
            OutboxMessage(key="late-channel", kind="no_meeting", channel_id=f"D{LEFT}1", params={}),
            OutboxMessage(
                key="late-meeting", kind="summary", meeting_id=gone["meeting"], params={"group": [gone["a"]]}
            ),
            OutboxMessage(key="other", kind="prompt", recipient_id=kept["b"], params={}),
        ]
        for row in late:
            row.next_attempt_at, row.created_at, row.claimed_until = NOW, NOW, lease
        session.add_all(late)
        session.flush()
        ids = {row.key: row.id for row in late}

    def rendered(session: object, row: OutboxMessage) -> dict[str, object]:
        return {"text": "hello"}

    with sessions() as session:
        outcomes = {key: prepare(session, rendered, row_id, lease, NOW) for key, row_id in ids.items()}
    for key in ("late-dm", "late-channel", "late-meeting"):
        assert outcomes[key] is not None and getattr(outcomes[key], "result", None) == "dropped", key
    assert isinstance(outcomes["other"], Job)  # to Slack as usual
    assert outcomes["other"].users == (f"U{STAYS}2",)


def test_coming_back_resumes_the_series_it_paused_only(sessions: SessionFactory) -> None:
    gone = fill(sessions, LEFT)
    with sessions.begin() as session:  # Alice also meets Carol, whose account is deactivated
        carol = Person(
            workspace_id=gone["workspace"], slack_user_id="UCAROL", deactivated_at=NOW, created_at=NOW
        )
        session.add(carol)
        session.flush()
        pair = Pair(
            workspace_id=gone["workspace"], member_a_id=gone["a"], member_b_id=carol.id, created_at=NOW
        )
        session.add(pair)
        session.flush()
        first = session.scalars(select(Series)).one()
        session.add(
            Series(
                pair_id=pair.id,
                **{k: getattr(first, k) for k in ("cadence", "weekday", "local_time", "duration_minutes")},
                **{k: getattr(first, k) for k in ("timezone", "first_date", "materialised_until")},
                created_by_id=gone["a"],
                created_at=NOW,
            )
        )
        carol_pair = pair.id
    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")
    # The other leaving event, arriving after the first (Slack promises no order), is no return.
    assert not workspaces.heard_from(sessions, LEFT, "tokens_revoked")
    assert not workspaces.heard_from(sessions, STAYS)  # never heard of: one read, nothing else

    assert workspaces.heard_from(sessions, LEFT)  # any other request from it: it reinstalled the app

    with sessions() as session:
        assert session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == LEFT)) is None
        paused = dict(session.execute(select(Series.pair_id, Series.paused_at)).all())
        status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.key == f"p{LEFT}"))
    assert paused == {gone["pair"]: None, carol_pair: NOW}  # Carol is still away: hers waits for her
    assert status == DeliveryStatus.DROPPED  # what was dropped was about then
    assert workspaces.delete_left_workspaces(sessions, NOW + timedelta(days=60), 30) == Counter()


def test_after_the_retention_period_every_row_of_the_workspace_goes_and_no_other(
    sessions: SessionFactory, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    fill(sessions, LEFT, SECRET)
    fill(sessions, STAYS)
    others = rows_of(sessions)  # the same shape with one workspace: what must remain, by count
    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")
    before = counts(sessions)

    assert workspaces.delete_left_workspaces(sessions, NOW + timedelta(days=29, hours=23), 30) == Counter()
    assert counts(sessions) == before
    with caplog.at_level(logging.INFO, logger="bot.services.workspaces"):
        deleted = workspaces.delete_left_workspaces(sessions, NOW + timedelta(days=30), 30)

    after = counts(sessions)
    # Every table had one workspace's rows deleted, exactly those (the other's rows are all still there).
    assert {name: before[name] - after[name] for name in before} == {
        name: len(rows) // 2 for name, rows in others.items() if name not in ("slack_request", "heartbeat")
    } | {"slack_request": 0, "heartbeat": 0}
    assert sum(deleted.values()) == sum(before.values()) - sum(after.values())
    with sessions() as session:
        assert session.scalars(select(Workspace.slack_team_id)).all() == [STAYS]
    everything = repr(rows_of(sessions))
    assert SECRET not in everything and LEFT not in everything
    assert SECRET not in caplog.text and "workspace" in caplog.text and "1 summary" in caplog.text
    if engine.dialect.name == "sqlite":  # the search index (migration 0015) says what the tables say
        with engine.connect() as connection:
            for table in ("summary", "topic", "action_item", "note"):
                connection.execute(
                    text(f"INSERT INTO search_{table}(search_{table}) VALUES ('integrity-check')")
                )
                hits = connection.execute(
                    text(f"SELECT count(*) FROM search_{table} WHERE search_{table} MATCH :w"),
                    {"w": '"quarterly"'},
                )
                assert hits.scalar() == 0


def test_deletion_goes_a_batch_at_a_time(sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = fill(sessions, LEFT)
    with sessions.begin() as session:
        session.add_all(
            Topic(
                pair_id=gone["pair"],
                author_id=gone["a"],
                text=f"t{n}",
                status=TopicStatus.OPEN,
                created_at=NOW,
            )
            for n in range(25)
        )
    workspaces.workspace_left(sessions, NOW, LEFT, "app_uninstalled")
    monkeypatch.setattr(workspaces, "BATCH", 10)
    batches: list[int] = []
    real = store.delete_batch

    def counted(session: object, step: store.Step, workspace_id: int, limit: int) -> int:
        count = real(session, step, workspace_id, limit)  # type: ignore[arg-type]
        if step.table == "topic":
            batches.append(count)
        return count

    monkeypatch.setattr(store, "delete_batch", counted)
    workspaces.delete_left_workspaces(sessions, NOW + timedelta(days=31), 30)

    assert batches == [10, 10, 6]
    assert counts(sessions)["topic"] == 0


def test_every_table_of_a_workspace_is_deleted_a_step_of_its_own() -> None:
    """A new table must get its own batched step: a cascade from its parent would delete any number of its
    rows in one statement (and the wire test's row count would still pass)."""
    # Keyed by Slack's ids, not ours: deleted when the workspace uninstalls (services/workspaces.py).
    of_no_workspace = {
        "slack_request",
        "heartbeat",
        "slack_installations",
        "slack_bots",
        "slack_oauth_states",
    }
    assert {step.table for step in store.STEPS} == {
        t.name for t in Base.metadata.sorted_tables
    } - of_no_workspace
