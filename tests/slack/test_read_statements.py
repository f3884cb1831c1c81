"""The read commands in counts (issue 17): `/1on1 agenda`, `actions`, `list`, `history`, `whoami` and `note`
each run in ONE transaction of at most four statements, on a 1:1 with a past (summaries, actions, notes,
topics), and still answer what they answered. A read writes nothing, so it leaves no Slack-retry record;
`note` writes its note and then its record, last."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update

from bot.store.db import SessionFactory
from bot.store.models import Person, SlackRequest
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB, CAROL, add_people
from tests.slack.statements import counted
from tests.slack.test_history import weeks_of_alice_and_bob

_WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def met(slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock) -> None:
    """Alice and Bob met three times (each summarised "Week N: hiring went on"); the next 1:1 has a topic,
    an open action item and Alice's private note."""
    add_people(emulator)
    weeks_of_alice_and_bob(slack, sessions, clock, 3)
    # Weeks went by, so the zones cached at scheduling are stale: the first command refreshes Alice's after
    # its ack, and the counts below see only the commands' own work.
    reply_text(slack.command("whoami", user_id=ALICE))
    reply_text(slack.command(f"add-topic <@{BOB}> Hiring plan review", user_id=ALICE))
    reply_text(slack.command(f"add-action <@{BOB}> Draft the hiring plan", user_id=ALICE))
    reply_text(slack.command(f"note <@{BOB}> Bob seems tired", user_id=ALICE))


READS = {
    "agenda": ["Your agenda with", "Hiring plan review", "Draft the hiring plan", "Bob seems tired"],
    f"agenda <@{BOB}>": ["Your agenda with", "Hiring plan review", "Week 2: hiring went on"],
    "actions": ["Draft the hiring plan"],
    f"actions <@{BOB}>": ["Draft the hiring plan"],
    "list": ["Your 1:1s", f"<@{BOB}>"],
    "history": [f"Your 1:1s with <@{BOB}>", "Week 2: hiring went on", "Week 0: hiring went on"],
    f"history <@{BOB}> hiring": ["3 of your 1:1s with", "match", "Week 1: hiring went on"],
    f"history <@{BOB}> zeppelin": ["Nothing in your 1:1s with", "zeppelin"],
    "whoami": ["Your time zone is *America/New_York*", "09:00 to 17:00"],
}


@pytest.mark.parametrize("command", list(READS))
def test_a_read_command_is_one_transaction_of_at_most_four_statements_and_writes_nothing(
    met: None, slack: SlackSender, engine: Engine, sessions: SessionFactory, command: str
) -> None:
    trigger = f"17.R.{command}"
    with counted(engine) as seen:
        answer = reply_text(slack.command(command, user_id=ALICE, trigger_id=trigger))
    for words in READS[command]:
        assert words in answer, answer
    assert seen.one_transaction_of_at_most(4), seen.statements
    assert not [s for s in seen.statements if s.upper().startswith(_WRITES)], seen.statements
    with sessions() as session:  # nothing written: no record either
        assert (
            session.scalars(select(SlackRequest.key).where(SlackRequest.key == f"trigger:{trigger}")).all()
            == []
        )


@pytest.mark.parametrize("named", [True, False], ids=["naming-the-person", "the-only-1on1"])
def test_a_note_is_one_transaction_of_its_read_its_note_and_its_retry_record(
    met: None, slack: SlackSender, engine: Engine, sessions: SessionFactory, named: bool
) -> None:
    command = f"note <@{BOB}> Ask about the move" if named else "note Ask about the move"
    with counted(engine) as seen:
        answer = reply_text(slack.command(command, user_id=ALICE, trigger_id="17.R.note"))
    assert f"Saved your private note for your 1:1 with <@{BOB}>" in answer
    assert seen.one_transaction_of_at_most(4), seen.statements
    assert seen.record_is_last(), seen.statements
    assert "Ask about the move" in reply_text(slack.command("agenda", user_id=ALICE))
    assert "Ask about the move" not in reply_text(slack.command("agenda", user_id=BOB))  # private: hers


def test_with_several_1on1s_a_read_says_which_in_one_transaction(
    met: None, slack: SlackSender, engine: Engine
) -> None:
    reply_text(slack.command(f"schedule <@{CAROL}> weekly thu 10:00", user_id=ALICE))
    for command in ("agenda", "history", "note Something"):
        with counted(engine) as seen:
            answer = reply_text(slack.command(command, user_id=ALICE))
        assert f"You have 1:1s with several people (<@{BOB}>, <@{CAROL}>)" in answer, answer
        assert seen.one_transaction_of_at_most(4), seen.statements


@pytest.mark.http_only
def test_a_caller_whose_zone_is_not_cached_is_answered_after_the_ack_and_it_is_cached(
    met: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    """Before the ack the directory is the cache alone: with no zone there the command answers "one moment",
    asks Slack after the ack, and answers in the caller's own zone through its response_url."""
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.slack_user_id == BOB).values(timezone=None))
    answer = reply_text(slack.command("agenda", user_id=BOB))
    assert f"Your agenda with <@{ALICE}>" in answer and "Hiring plan review" in answer
    assert "CET" in reply_text(slack.command("history", user_id=BOB))  # Bob's own zone, Berlin
    with sessions() as session:
        assert session.scalar(select(Person.timezone).where(Person.slack_user_id == BOB)) == "Europe/Berlin"
