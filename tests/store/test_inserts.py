"""insert_ignoring_conflicts: new rows in, clashing rows skipped, every value kept as given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.outbox import DeliveryStatus
from bot.store.db import SessionFactory
from bot.store.inserts import JSON_FROM_ROWS, insert_ignoring_conflicts
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


@pytest.mark.parametrize("batch", [2, JSON_FROM_ROWS], ids=["few rows", "a batch"])
def test_new_rows_go_in_with_their_values_and_clashing_ones_are_skipped(
    sessions: SessionFactory, batch: int
) -> None:
    # PostgreSQL takes a batch as one JSON parameter and a few rows as parameters: both must agree.
    keys = [f"k{n}" for n in range(batch)]
    with sessions.begin() as session:
        first = insert_ignoring_conflicts(session, TABLE, [message(key) for key in keys], ["key"])
    assert len(first) == batch

    again_rows = [message(key, kind="other") for key in keys[1:]] + [message("new"), message("new")]
    with sessions.begin() as session:
        again = insert_ignoring_conflicts(session, TABLE, again_rows, ["key"])
    assert len(again) == 1  # only "new", once; the others keep their first kind

    with sessions() as session:
        stored = {m.key: m for m in session.scalars(select(OutboxMessage))}
    assert sorted(stored) == sorted([*keys, "new"])
    assert {m.id for m in stored.values()} == {*first, *again}
    assert {m.kind for m in stored.values()} == {"prompt"}
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
        rows = [message(f"ok{n}") for n in range(JSON_FROM_ROWS)]
        rows.append(message("naive", created_at=datetime(2026, 11, 26)))
        insert_ignoring_conflicts(session, TABLE, rows, ["key"])
    with sessions() as session:
        assert session.scalars(select(OutboxMessage.key)).all() == []
