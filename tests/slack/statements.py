"""Counting what a command sends the database (issue 17): its statements and transactions, seen with
SQLAlchemy's engine events, for tests/slack/test_ack_statements.py, test_read_statements.py and
test_write_statements.py."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB, add_people

_TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
RECORD = "INSERT INTO SLACK_REQUEST"  # the Slack-retry record (bot/store/requests.py)


@dataclass
class Seen:
    statements: list[str] = field(default_factory=list)  # what the app sent, BEGIN and COMMIT aside
    transactions: int = 0

    def one_transaction_of_at_most(self, most: int) -> bool:
        return self.transactions == 1 and len(self.statements) <= most

    def record_is_last(self) -> bool:
        return bool(self.statements) and self.statements[-1].upper().startswith(RECORD)


@contextmanager
def counted(engine: Engine, *, but_thread: str | None = None) -> Iterator[Seen]:
    """Every statement and transaction on `engine` meanwhile (the app under test shares it), but those of
    the thread named `but_thread` (the outbox deliverer's, say: it sends after the ack, in its own)."""
    seen = Seen()

    def counts() -> bool:
        return but_thread is None or threading.current_thread().name != but_thread

    def on_execute(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if counts() and not statement.lstrip().upper().startswith(_TRANSACTION_WORDS):
            seen.statements.append(" ".join(statement.split()))

    def on_begin(_connection: Any) -> None:
        if counts():
            seen.transactions += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "begin", on_begin)


def alice_meets_bob_weekly(slack: SlackSender, emulator: SlackEmulator) -> None:
    """Alice schedules a weekly 1:1 with Bob (each module's `alice_meets_bob` fixture)."""
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
