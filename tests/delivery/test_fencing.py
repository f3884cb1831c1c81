"""The claim's expiry is a fencing token: a sender whose claim ran out mid-send (a slow Slack, a paused
process) records nothing over the sender that took the row over, so the message is not sent a third time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.delivery.claims import record
from bot.delivery.jobs import Outcome
from bot.domain.outbox import DeliveryStatus
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, Workspace
from emulator.web_api import TEAM_ID
from tests.conftest import START

LEASE = timedelta(minutes=2)


def queued_row(sessions: SessionFactory) -> int:
    with sessions.begin() as session:
        workspace = Workspace(slack_team_id=TEAM_ID, created_at=START)
        session.add(workspace)
        session.flush()
        person = Person(workspace_id=workspace.id, slack_user_id="UALICE01", created_at=START)
        session.add(person)
        session.flush()
        outbox.enqueue(session, key="fenced", kind="test", now=START, recipient_id=person.id)
        return session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == "fenced")) or 0


def claim(sessions: SessionFactory, at: timedelta) -> OutboxMessage:
    with sessions.begin() as session:
        (row_id,) = outbox.claim_due(session, START + at, limit=10, lease=LEASE)
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def state(sessions: SessionFactory, row_id: int) -> tuple[object, ...]:
    with sessions() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row.status, row.claimed_until, row.attempts, row.sent_ts


def test_a_sender_whose_claim_ran_out_records_nothing_over_the_one_that_took_over(
    sessions: SessionFactory,
) -> None:
    row_id = queued_row(sessions)
    first = claim(sessions, timedelta(0))
    assert first.claimed_until is not None
    # The first sender's Slack call outlives its lease; a second sender claims the row again.
    second = claim(sessions, LEASE + timedelta(seconds=1))
    assert second.claimed_until is not None and second.claimed_until != first.claimed_until
    taken_over = state(sessions, row_id)

    # The first sender's call failed after all: recording its retry would free the row for a third send.
    with sessions.begin() as session:
        record(session, row_id, first.claimed_until, START + LEASE * 2, Outcome("retry", reason="timeout"))
    assert state(sessions, row_id) == taken_over

    # Nor may a late "sent" of the first overwrite what the holder of the claim will record.
    with sessions.begin() as session:
        record(
            session, row_id, first.claimed_until, START + LEASE * 2, Outcome("sent", channel="D1", ts="1.1")
        )
    assert state(sessions, row_id) == taken_over

    # The holder records its own outcome.
    with sessions.begin() as session:
        record(
            session, row_id, second.claimed_until, START + LEASE * 2, Outcome("sent", channel="D1", ts="2.2")
        )
    assert state(sessions, row_id) == (DeliveryStatus.SENT, None, 0, "2.2")
