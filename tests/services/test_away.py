"""Time away in the services, without Slack: the prompt queue's cost, a paused series' one notice,
`back`, and the slots of a nudge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, event, select

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import away
from bot.services.prompts import queue_due_prompts
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Pair, Person
from tests.services.conftest import FIRST, SECOND, Weekly
from tests.services.people import AS_BOB, BOB, TEAM

LEAD = timedelta(hours=24)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statuses(sessions: SessionFactory, weekly: Weekly) -> list[MeetingStatus]:
    with sessions() as session:
        rows = session.scalars(
            select(Meeting).where(Meeting.id.in_(weekly.meeting_ids)).order_by(Meeting.starts_at)
        )
        return [m.status for m in rows]


def notices(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.AWAY_NOTICE))
        )


def test_the_away_check_costs_three_queries_a_batch_and_none_when_idle(
    sessions: SessionFactory, engine: Engine, weekly: Weekly
) -> None:
    with statements(engine) as idle:
        queue_due_prompts(sessions, FIRST - LEAD - timedelta(minutes=1))
    assert not [s for s in idle if "time_away" in s or "busy_interval" in s]
    with statements(engine) as due:
        queue_due_prompts(sessions, FIRST - LEAD)
    assert len([s for s in due if "time_away" in s]) == 1
    assert len([s for s in due if "busy_interval" in s]) == 1


def test_a_paused_series_gets_one_notice_for_the_whole_span(sessions: SessionFactory, weekly: Weekly) -> None:
    away.set_away(sessions, FIRST - timedelta(days=1), AS_BOB, date(2026, 12, 7), date(2026, 12, 31))
    for week in range(1, 4):
        queue_due_prompts(sessions, SECOND + timedelta(weeks=week - 1) - LEAD)
    assert statuses(sessions, weekly)[1:4] == [MeetingStatus.AWAY] * 3
    sent = notices(sessions)
    assert len(sent) == 1 and sent[0].params["paused"] is True and sent[0].recipient_id == weekly.alice_id
    assert sent[0].params["first"] == "2026-12-07" and sent[0].params["last"] == "2026-12-31"


def test_back_schedules_the_meetings_ahead_again(sessions: SessionFactory, weekly: Weekly) -> None:
    away.set_away(sessions, FIRST, AS_BOB, date(2026, 12, 7), date(2026, 12, 11))
    queue_due_prompts(sessions, SECOND - LEAD)
    assert statuses(sessions, weekly)[1] is MeetingStatus.AWAY
    assert away.come_back(sessions, SECOND - LEAD, AS_BOB) == 1
    assert statuses(sessions, weekly)[1] is MeetingStatus.SCHEDULED
    with sessions() as session:
        meeting = session.get(Meeting, weekly.meeting_ids[1])
        assert meeting is not None and meeting.prompt_queued_at is None and meeting.revision == 2


def test_a_status_event_for_someone_unknown_stores_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    profile = {"status_text": "Vacation", "status_emoji": ":palm_tree:", "status_expiration": 1797000000}
    away.learn_status(sessions, FIRST, TEAM, "UNOBODY1", profile)
    with sessions() as session:
        assert session.scalar(select(Person).where(Person.slack_user_id == "UNOBODY1")) is None
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and bob.status_away_until is None


def test_no_nudge_while_someone_is_away(sessions: SessionFactory, weekly: Weekly) -> None:
    away.set_away(sessions, FIRST, AS_BOB, date(2026, 12, 2), date(2026, 12, 4))
    with sessions() as session:
        pair = session.get(Pair, weekly.pair_id)
        assert pair is not None
        assert away.someone_away_now(session, pair, datetime(2026, 12, 3, 12, tzinfo=FIRST.tzinfo))
        assert not away.someone_away_now(session, pair, datetime(2026, 12, 5, 12, tzinfo=FIRST.tzinfo))
