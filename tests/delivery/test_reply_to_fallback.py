"""A reply queued under a summary that then went to each person's DM (Slack refused the group DM) follows
it there: one reply under each person's copy, instead of being dropped with the refused group message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, OutboxMessage
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    reply_text,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York
FIRST_END = FIRST_START + timedelta(minutes=30)
DONE_REPLY = f":white_check_mark: <@{ALICE}> marked <@{BOB}>'s action item done: ~Draft the promo doc~"


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def summaries_in(emulator: SlackEmulator, user: str) -> list[dict[str, Any]]:
    channel = emulator.dm_channel_for(user)
    return [m for m in emulator.messages(channel) if "1:1 summary" in text_of(m)] if channel else []


def replies_under(emulator: SlackEmulator, user: str, parent: dict[str, Any]) -> list[str]:
    channel = emulator.dm_channel_for(user) or ""
    return [m["text"] for m in emulator.messages(channel) if m.get("thread_ts") == parent["ts"] != m["ts"]]


def submit_summary(slack: SlackSender, emulator: SlackEmulator) -> None:
    """Bob summarises the first meeting with one action item of his."""
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    channel = emulator.dm_channel_for(BOB)
    form = opened_form(
        emulator,
        lambda: slack.action(
            BOB, [buttons(follow_up)["summary_open"]], channel_id=channel, message=follow_up
        ),
    )
    filled = fill_summary(form, "A promotion plan", [("Draft the promo doc", BOB, None)])
    assert submit_form(slack, BOB, filled).status_code == 200


def test_an_item_done_before_the_summary_went_out_is_said_under_each_persons_copy(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END + timedelta(minutes=5))
    # Slack is down when the summary is first tried: it waits in the outbox for a retry.
    emulator.fail_next("conversations.open", status=503)
    submit_summary(slack, emulator)
    assert summaries_in(emulator, ALICE) == summaries_in(emulator, BOB) == []
    # Meanwhile Alice marks Bob's item done: its reply waits for the summary it goes under.
    with sessions() as session:
        item = session.scalars(select(ActionItem.id)).one()
    assert "Done: ~Draft the promo doc~" in reply_text(slack.command(f"done {item}", user_id=ALICE))
    # On the retry Slack refuses the group DM for good: the summary goes to each person's DM instead.
    emulator.fail_next("conversations.open", status=200, error="method_not_supported_for_channel_type")
    tick(sessions, settings, FIRST_END + timedelta(hours=1))
    tick(sessions, settings, FIRST_END + timedelta(hours=3))  # a later pass adds nothing
    for user in (ALICE, BOB):
        [copy] = summaries_in(emulator, user)
        assert ":white_check_mark: ~Draft the promo doc" in text_of(copy)
        assert replies_under(emulator, user, copy) == [DONE_REPLY]
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind.in_([MessageKind.SUMMARY, MessageKind.ACTION_DONE]))
            .order_by(OutboxMessage.id)
        ).all()
    copies = {r.id: r.recipient_id for r in rows if r.kind == MessageKind.SUMMARY and r.recipient_id}
    [under_group, *under_copies] = [r for r in rows if r.kind == MessageKind.ACTION_DONE]
    # The reply queued under the refused group message gave way to one under each copy, each sent once.
    assert under_group.status is DeliveryStatus.DROPPED and len(copies) == 2
    assert [r.status for r in under_copies] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert {(r.key, r.params["thread_of"]) for r in under_copies} == {
        (f"{under_group.key}:dm:{person}", copy) for copy, person in copies.items()
    }
