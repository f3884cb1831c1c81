"""A real PostgreSQL stopped, restarted and frozen under the running app (served over HTTP, as `serve` is).

Stopped: every command gets the bot's own answer in time and nothing is stored; an event is answered
so that Slack delivers it again; /healthz says why. Restarted: the very first request succeeds (stale
pooled connections are replaced). Frozen: answers still leave within Slack's 3 seconds ("Saving…"),
/healthz within its limit, and once the server thaws each write is stored once and its author told.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select, text

from bot.config import Settings
from bot.health import WITHIN
from bot.slack.after_ack import AfterAck
from bot.slack.trouble import NOT_SAVED, SAVING
from bot.store import migrations
from bot.store.db import SessionFactory, make_engine, make_session_factory
from bot.store.models import Topic
from emulator.requests import SlackSender, dm_message_event
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock, app_under_test, http_sender, serving
from tests.faults.postgres_server import PostgresServer, unavailable
from tests.faults.test_health import healthz
from tests.reliability_report import record
from tests.slack.helpers import answer_in_thread, reply_text, text_of, written_in_dm
from tests.slack.people import ALICE, BOB, add_people

pytestmark = [
    pytest.mark.skipif(unavailable() is not None, reason=str(unavailable())),
    pytest.mark.e2e,
]

ACK_WITHIN = 3.0


@dataclass
class Served:
    server: PostgresServer
    url: str
    sessions: SessionFactory
    later: AfterAck
    deliverer: object


@pytest.fixture(scope="module")
def served(settings: Settings, _clock: FakeClock) -> Iterator[Served]:
    server = PostgresServer()
    try:
        migrations.upgrade(server.url)
        engine = make_engine(server.url)
        app, later, deliverer = app_under_test(settings, engine, _clock)
        with serving(app, engine, _clock) as url:
            yield Served(server, url, make_session_factory(engine), later, deliverer)
        engine.dispose()
    finally:
        server.remove()


@pytest.fixture
def slack(served: Served, emulator: SlackEmulator) -> Iterator[SlackSender]:
    add_people(emulator)
    with http_sender(served.url, emulator, served.later, served.deliverer) as sender:  # type: ignore[arg-type]
        yield sender
    served.server.thaw()
    served.server.start_if_stopped()
    with served.sessions.begin() as session:
        session.execute(Topic.__table__.delete())


def topics(served: Served) -> list[str]:
    with served.sessions() as session:
        return list(session.scalars(select(Topic.text).order_by(Topic.id)))


def seconds(response: httpx.Response) -> float:
    return response.elapsed.total_seconds()


@pytest.mark.reliability
def test_a_stopped_server_gets_the_bots_own_answers_and_the_first_request_after_it_is_back_works(
    served: Served, slack: SlackSender, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    dm, ts = written_in_dm(emulator, BOB, "Feedback on the launch")
    message = dm_message_event(BOB, "Feedback on the launch", channel=dm, ts=ts)
    served.server.stop()

    command = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE)
    assert command.status_code == 200 and seconds(command) < ACK_WITHIN
    assert NOT_SAVED in reply_text(command)
    event = slack.event(message, event_id="Ev0PGSTOP1")
    assert event.status_code == 503 and seconds(event) < ACK_WITHIN  # Slack delivers it again
    status, health, took = healthz(slack)
    assert status == 503 and health["ok"] is False and took < WITHIN + 0.5
    record("PostgreSQL stopped: requests answered by the bot within 3 s", 2)

    served.server.start()
    # The pool's connections died with the server: the first request after it must not fail.
    again = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE)
    assert "Added" in reply_text(again)
    redelivered = slack.event(message, event_id="Ev0PGSTOP1", retry_num=1, retry_reason="http_error")
    assert redelivered.status_code == 200
    assert topics(served) == ["Hiring plan", "Feedback on the launch"]
    assert "Added to your 1:1" in text_of(answer_in_thread(emulator, ts))
    assert healthz(slack)[0] == 200


@pytest.mark.reliability
def test_a_frozen_server_is_answered_in_time_and_each_write_lands_once_when_it_thaws(
    served: Served, slack: SlackSender, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    url = emulator.new_response_url()
    served.server.freeze()
    try:
        command = slack.command(f"add-topic <@{BOB}> Career path", user_id=ALICE, response_url=url)
        assert command.status_code == 200 and seconds(command) < ACK_WITHIN
        assert SAVING in reply_text(command)
        status, health, took = healthz(slack)
        assert (
            status == 503 and health["database"] == f"no answer within {WITHIN:.1f} s" and took < WITHIN + 0.5
        )
        record("PostgreSQL frozen: requests answered within 3 s", 1)
    finally:
        served.server.thaw()
    final = emulator.wait_for_response_posts(1, url, timeout=30)[-1].payload
    assert final["replace_original"] is True and "Added to the agenda" in text_of(final)
    assert topics(served) == ["Career path"]


def test_the_first_request_after_a_restart_while_idle_works(served: Served, slack: SlackSender) -> None:
    """Nobody asked anything while the server was down: the pool still holds connections to the old
    server, and the first request after the restart must not be the one to find out."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    served.server.stop()
    served.server.start()
    for topic in ("Onboarding", "Roadmap", "Budget"):  # several: every pooled connection is stale
        assert "Added" in reply_text(slack.command(f"add-topic <@{BOB}> {topic}", user_id=ALICE))
    assert topics(served) == ["Onboarding", "Roadmap", "Budget"]


def test_the_apps_statements_wait_on_locks_for_bounded_times_and_migrations_do_not(served: Served) -> None:
    """A statement stuck behind another's lock (or running away) ends with an error the request reports,
    instead of holding a worker for good; a migration rewriting a big table is not cut short."""
    with served.sessions() as session:
        limits = [
            session.execute(text(f"SHOW {name}")).scalar() for name in ("lock_timeout", "statement_timeout")
        ]
    assert limits == ["10s", "30s"]
    migrating = make_engine(served.server.url, connect_args={"connect_timeout": 5})  # as migrations/env.py
    try:
        with migrating.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"
    finally:
        migrating.dispose()
