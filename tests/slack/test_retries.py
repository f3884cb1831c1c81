"""Slack delivers at least once: a retried event, command or click has one effect."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.store.db import SessionFactory
from bot.store.models import Topic
from emulator.requests import SlackSender, dm_message_event
from emulator.web_api import SlackEmulator
from tests.reliability_report import record
from tests.slack.helpers import reply_text, written_in_dm
from tests.slack.people import ALICE, BOB, add_people


def topic_count(sessions: SessionFactory) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Topic)) or 0


@pytest.fixture
def alice_meets_bob(slack: SlackSender, emulator: SlackEmulator) -> None:
    """Alice has set up a weekly 1:1 with Bob."""
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))


@pytest.mark.reliability
def test_a_retried_event_is_handled_once(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.dedup")
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    dm, ts = written_in_dm(emulator, BOB, "Team offsite")
    event = dm_message_event(BOB, "Team offsite", channel=dm, ts=ts)
    for retry in (None, 1, 2):
        assert (
            slack.event(
                event, event_id="Ev0RETRY01", retry_num=retry, retry_reason="http_timeout"
            ).status_code
            == 200
        )
    assert topic_count(sessions) == 1
    confirmations = [c for c in emulator.calls("chat.postMessage") if c.args.get("thread_ts") == ts]
    assert len(confirmations) == 1
    # The retries were recognised before any handler ran (DM topics are also idempotent on their own).
    assert caplog.text.count("already handled event:Ev0RETRY01") == 2
    record("Slack retries recognised and not handled twice", 2)


@pytest.mark.reliability
def test_a_redelivered_command_is_handled_once(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    first = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.222.aaa")
    again = slack.command(
        f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.222.aaa", retry_num=1
    )
    assert first.status_code == again.status_code == 200
    assert topic_count(sessions) == 1
    record("Slack retries recognised and not handled twice", 1)
    # A new invocation (a new trigger) is a new topic, even with the same words.
    slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="111.333.bbb")
    assert topic_count(sessions) == 2


@pytest.mark.http_only
def test_a_request_that_failed_is_not_remembered(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    forged = slack.command(f"add-topic <@{BOB}> Retry me", user_id=ALICE, trigger_id="9.9.zz", secret="wrong")
    assert forged.status_code == 401
    assert (
        slack.command(f"add-topic <@{BOB}> Retry me", user_id=ALICE, trigger_id="9.9.zz").status_code == 200
    )
    assert topic_count(sessions) == 1
