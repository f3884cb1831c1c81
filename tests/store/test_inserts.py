"""insert_ignoring_conflicts: new rows in, clashing rows skipped, every value kept as given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.outbox import DeliveryStatus
from bot.store.db import SessionFactory
from bot.store.inserts import insert_ignoring_conflicts
from bot.store.models import OutboxMessage, SlackRequest

TABLE = OutboxMessage.__table__
# A zone other than UTC and a time with microseconds: both must survive the trip.
BERLIN_WINTER = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 26, 10, 15, 30, 123456, tzinfo=BERLIN_WINTER)


def message(key: str, **changes: Any) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "prompt",
        "channel_id": "C0001",
        "params": {"text": "Ünïcode — “quotes” and \\ backslash", "slots": [1, 2], "nested": {"a": None}},
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": WHEN,
        "created_at": WHEN,
        **changes,
    }


def test_new_rows_go_in_with_their_values_and_clashing_ones_are_skipped(sessions: SessionFactory) -> None:
    with sessions.begin() as session:
        first = insert_ignoring_conflicts(session, TABLE, [message("a"), message("b")], ["key"])
    assert len(first) == 2

    with sessions.begin() as session:
        again = insert_ignoring_conflicts(
            session, TABLE, [message("b", kind="other"), message("c"), message("c")], ["key"]
        )
    assert len(again) == 1  # only "c", once; "b" keeps its first kind

    with sessions() as session:
        stored = {m.key: m for m in session.scalars(select(OutboxMessage))}
    assert sorted(stored) == ["a", "b", "c"]
    assert {m.id for m in stored.values()} == {*first, *again}
    assert stored["b"].kind == "prompt"
    for row in stored.values():
        assert row.params == message("x")["params"]
        assert row.status is DeliveryStatus.PENDING
        assert row.next_attempt_at == WHEN and row.next_attempt_at.tzinfo is not None
        assert row.next_attempt_at.astimezone(UTC) == datetime(2026, 11, 26, 9, 15, 30, 123456, tzinfo=UTC)
        assert row.recipient_id is None and row.sent_ts is None


def test_a_table_without_an_id_needs_no_returning(sessions: SessionFactory) -> None:
    rows = [{"key": "event:Ev1", "handled_at": WHEN}]
    with sessions.begin() as session:
        assert (
            insert_ignoring_conflicts(session, SlackRequest.__table__, rows, ["key"], returning=False) == []
        )
        insert_ignoring_conflicts(session, SlackRequest.__table__, rows, ["key"], returning=False)
    with sessions() as session:
        assert session.scalars(select(SlackRequest.handled_at)).all() == [WHEN]


def test_a_naive_time_is_refused_and_nothing_is_stored(sessions: SessionFactory) -> None:
    with pytest.raises(Exception, match="naive"), sessions.begin() as session:
        insert_ignoring_conflicts(
            session, TABLE, [message("ok"), message("naive", created_at=datetime(2026, 11, 26))], ["key"]
        )
    with sessions() as session:
        assert session.scalars(select(OutboxMessage.key)).all() == []
