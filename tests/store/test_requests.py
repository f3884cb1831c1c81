"""Claiming a Slack request before handling it: one delivery wins, a failed one gives it back, and a claim
left behind by a process that died is taken over once it is clearly abandoned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete

from bot.store import requests
from bot.store.db import SessionFactory, make_session_factory
from bot.store.models import SlackRequest
from bot.store.requests import ABANDONED_AFTER, Claim

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def sessions(engine: Engine) -> Iterator[SessionFactory]:
    yield make_session_factory(engine)
    with engine.begin() as connection:
        connection.execute(delete(SlackRequest))


def claim(sessions: SessionFactory, key: str, now: datetime = NOW) -> Claim:
    with sessions.begin() as session:
        return requests.claim(session, key, now)


def test_the_first_delivery_claims_and_a_second_meanwhile_is_in_flight(sessions: SessionFactory) -> None:
    assert claim(sessions, "trigger:1") is Claim.MINE
    assert claim(sessions, "trigger:1", NOW + timedelta(seconds=2)) is Claim.IN_FLIGHT
    assert claim(sessions, "trigger:2") is Claim.MINE  # another request is another key


def test_a_finished_request_is_done_for_every_later_delivery(sessions: SessionFactory) -> None:
    claim(sessions, "event:Ev1")
    with sessions.begin() as session:
        requests.finish(session, "event:Ev1")
    assert claim(sessions, "event:Ev1") is Claim.DONE
    # Even long after: done is done, until the tick forgets it.
    assert claim(sessions, "event:Ev1", NOW + ABANDONED_AFTER * 10) is Claim.DONE


def test_a_failed_request_gives_its_claim_back_for_slacks_retry(sessions: SessionFactory) -> None:
    claim(sessions, "event:Ev2")
    with sessions.begin() as session:
        requests.release(session, "event:Ev2")
    assert claim(sessions, "event:Ev2") is Claim.MINE


def test_release_never_forgets_a_request_that_was_handled(sessions: SessionFactory) -> None:
    claim(sessions, "event:Ev3")
    with sessions.begin() as session:
        requests.finish(session, "event:Ev3")
        requests.release(session, "event:Ev3")
    assert claim(sessions, "event:Ev3") is Claim.DONE


def test_a_claim_abandoned_by_a_dead_process_is_taken_over_once(sessions: SessionFactory) -> None:
    claim(sessions, "trigger:9")
    # Still within the time a live process could be handling it: hands off.
    assert claim(sessions, "trigger:9", NOW + ABANDONED_AFTER - timedelta(seconds=1)) is Claim.IN_FLIGHT
    later = NOW + ABANDONED_AFTER + timedelta(seconds=1)
    assert claim(sessions, "trigger:9", later) is Claim.MINE
    # The one that took it over now holds a fresh claim.
    assert claim(sessions, "trigger:9", later + timedelta(seconds=1)) is Claim.IN_FLIGHT
