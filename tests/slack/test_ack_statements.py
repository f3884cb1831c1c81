"""The acknowledgement path in counts, not time (issue 17): `/1on1 add-topic` is one transaction of at most
four statements, the Slack-retry record among them; `/1on1 help` does not touch the database; and the
record still commits with the topic or not at all."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from bot.slack.trouble import NOT_SAVED
from bot.store.db import SessionFactory
from bot.store.models import Series, SlackRequest, Topic
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB, CAROL, add_people
from tests.slack.statements import RECORD, alice_meets_bob_weekly, counted


@pytest.fixture
def alice_meets_bob(slack: SlackSender, emulator: SlackEmulator) -> None:
    alice_meets_bob_weekly(slack, emulator)


def topics(sessions: SessionFactory) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(Topic.text).order_by(Topic.id)))


@pytest.mark.parametrize("named", [True, False], ids=["naming-the-person", "the-only-1on1"])
def test_add_topic_is_one_transaction_of_at_most_four_statements_with_its_retry_record(
    alice_meets_bob: None, slack: SlackSender, engine: Engine, sessions: SessionFactory, named: bool
) -> None:
    command = f"add-topic <@{BOB}> Hiring plan" if named else "add-topic Hiring plan"
    with counted(engine) as seen:
        answer = slack.command(command, user_id=ALICE, trigger_id="17.1.add")
    assert "Added to the agenda of your 1:1" in reply_text(answer)
    assert seen.one_transaction_of_at_most(4), seen.statements
    assert topics(sessions) == ["Hiring plan"]
    with sessions() as session:  # the request's record, stored with the topic, already done
        assert session.scalars(
            select(SlackRequest.done).where(SlackRequest.key == "trigger:17.1.add")
        ).all() == [True]


def test_help_touches_no_database(slack: SlackSender, engine: Engine, emulator: SlackEmulator) -> None:
    add_people(emulator)
    with counted(engine) as seen:
        answer = slack.command("help", user_id=CAROL, trigger_id="17.2.help")
    assert "/1on1" in reply_text(answer)
    assert seen.transactions == 0 and seen.statements == []


def test_a_failed_retry_record_stores_no_topic_and_the_retry_stores_it_once(
    alice_meets_bob: None, slack: SlackSender, engine: Engine, sessions: SessionFactory
) -> None:
    """The record is the transaction's last statement: when it fails (a disk filling up, say), the topic is
    not stored either, the answer says so, and Slack's retry (or the person's second try) stores it once."""
    error = engine.dialect.loaded_dbapi.OperationalError

    def fail_the_record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(RECORD):
            raise error("injected: the disk filled up at the end of the transaction")

    event.listen(engine, "before_cursor_execute", fail_the_record)
    try:
        failed = slack.command(f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="17.3.disk")
    finally:
        event.remove(engine, "before_cursor_execute", fail_the_record)
    assert NOT_SAVED in reply_text(failed)
    assert topics(sessions) == []
    retried = slack.command(
        f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="17.3.disk", retry_num=1
    )
    assert "Added" in reply_text(retried)
    again = slack.command(
        f"add-topic <@{BOB}> Hiring plan", user_id=ALICE, trigger_id="17.3.disk", retry_num=2
    )
    assert again.status_code == 200 and not again.content
    assert topics(sessions) == ["Hiring plan"]


@pytest.mark.http_only
def test_a_command_answered_one_moment_is_claimed_before_its_ack_and_its_redelivery_does_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    """Nobody's zone is known yet: the command's work (it asks Slack first) runs after the ack, so its record
    is stored before the ack; Slack's redelivery then finds it and the 1:1 is scheduled once."""
    add_people(emulator)
    url = emulator.new_response_url()
    command = f"schedule <@{BOB}> weekly tue 10:00"
    first = slack.command(command, user_id=ALICE, trigger_id="17.4.zone", response_url=url)
    assert "Scheduled a *weekly* 1:1" in reply_text(first)  # "one moment", then this through the url
    # Slack's redelivery carries the same response_url; its own answer is what it acknowledged with.
    again = slack.command(command, user_id=ALICE, trigger_id="17.4.zone", retry_num=1)
    assert again.status_code == 200 and not again.content
    assert len(emulator.response_posts(url)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Series)) == 1
        assert session.scalars(
            select(SlackRequest.done).where(SlackRequest.key == "trigger:17.4.zone")
        ).all() == [True]
