"""A command answered from memory alone (help, a typo) runs on the request's own thread, without the
budget's hand-off to a pool thread (issue 17: a third of help's cost); everything that may wait on the
database still runs under the budget, and a workspace coming back is still noticed, after the ack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.dedup import DedupingApp
from bot.store.db import SessionFactory
from bot.store.models import Workspace
from emulator.ids import TEAM_ID
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, AppServer, FakeClock, http_sender
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB, add_people


@pytest.fixture
def budgeted(app_server: AppServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The commands' texts that went through the budget's pool, in order."""
    app = app_server.app
    assert isinstance(app, DedupingApp)
    through: list[str] = []
    run = app._budget.run

    def counting(work: Callable[[], Any], **kwargs: Any) -> Any:
        through.append("ran")
        return run(work, **kwargs)

    monkeypatch.setattr(app._budget, "run", counting)
    return through


@pytest.fixture
def sender(
    app_server: AppServer, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SlackSender]:
    sender = http_sender(app_server.url, emulator, app_server.later, app_server.deliverer, app_server.app)
    yield sender
    sender.close()
    app_server.app.wait_idle(10)
    app_server.later.wait_idle(10)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("help", "/1on1 add-topic"),
        ("", "/1on1 add-topic"),  # the command alone is help
        ("HELP", "/1on1 add-topic"),
        ("bogus", "I don't know the command `bogus`"),
    ],
)
def test_what_needs_no_database_is_answered_without_the_pool(
    sender: SlackSender, emulator: SlackEmulator, budgeted: list[str], text: str, says: str
) -> None:
    add_people(emulator)
    assert says in reply_text(sender.command(text, user_id=ALICE))
    assert budgeted == []


def test_what_may_wait_on_the_database_still_runs_under_the_budget(
    sender: SlackSender, emulator: SlackEmulator, budgeted: list[str]
) -> None:
    add_people(emulator)
    reply_text(sender.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE, trigger_id="m.1"))
    assert "Added" in reply_text(sender.command("add-topic Hiring", user_id=ALICE, trigger_id="m.2"))
    # A redelivered help reads its claim first: under the budget too.
    assert "/1on1" in reply_text(sender.command("help", user_id=ALICE, trigger_id="m.3", retry_num=1))
    # A command's arguments are its handler's to read: a problem with them is found under the budget.
    assert "/1on1 done" in reply_text(sender.command("done seven", user_id=ALICE, trigger_id="m.4"))
    assert len(budgeted) == 4


def test_a_workspace_that_comes_back_with_help_is_noticed_after_the_ack(
    sender: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    add_people(emulator)
    reply_text(sender.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    clock.set(START + timedelta(days=1))
    sender.event({"type": "app_uninstalled"}, team_id=TEAM_ID)
    with sessions() as session:
        assert session.scalar(select(Workspace.uninstalled_at)) is not None

    assert "/1on1" in reply_text(sender.command("help", user_id=ALICE))  # reinstalled: a request from it

    with sessions() as session:
        assert session.scalar(select(Workspace.uninstalled_at)) is None
