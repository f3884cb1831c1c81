"""The summary as a thread, end to end (issue 12, part 5): an item marked done (button or `/1on1 done`) is
said once under the summary, which shows it ticked; the next meeting's prompt brings what is still open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.store.db import SessionFactory
from bot.store.models import ActionItem
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
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

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
SECOND_PROMPT = FIRST_START + timedelta(days=6)  # a day before the 8 Dec meeting
ITEMS = [("Draft the promo doc", BOB, "2026-12-04"), ("Review the budget", ALICE, None)]


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def summarised(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """Alice leads a weekly 1:1 with Bob; after the first, Bob's summary with two action items is posted."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, FIRST_END)
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]

    def click() -> None:
        channel = emulator.dm_channel_for(BOB)
        slack.action(BOB, [buttons(follow_up)["summary_open"]], channel_id=channel, message=follow_up)

    form = fill_summary(opened_form(emulator, click), "A promotion plan", ITEMS)
    assert submit_form(slack, BOB, form).status_code == 200


def summaries_in(emulator: SlackEmulator, channel: str) -> list[dict[str, Any]]:
    return [m for m in emulator.messages(channel) if "1:1 summary" in text_of(m)]


def group_channel(emulator: SlackEmulator) -> str:
    opened = [c for c in emulator.calls("conversations.open") if c.ok and "," in c.args.get("users", "")]
    return str(opened[-1].response["channel"]["id"])


def thread_of(emulator: SlackEmulator, channel: str, parent: dict[str, Any]) -> list[dict[str, Any]]:
    """The replies under `parent`, oldest first."""
    return [
        m
        for m in emulator.messages(channel)
        if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"]
    ]


def said(replies: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in replies]


def done_button(message: dict[str, Any], text: str) -> dict[str, Any]:
    return next(b["accessory"] for b in message["blocks"] if b.get("accessory") and text in b["text"]["text"])


def item_id(sessions: SessionFactory, text: str) -> int:
    with sessions() as session:
        return session.scalars(select(ActionItem.id).where(ActionItem.text == text)).one()


def test_an_item_marked_done_is_said_once_in_the_summarys_thread_and_the_summary_shows_it(
    summarised: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    group = group_channel(emulator)
    [parent] = summaries_in(emulator, group)
    button = done_button(parent, "Draft the promo doc")
    for clicker in (ALICE, BOB):  # both click "Done": one reply
        assert slack.action(clicker, [button], channel_id=group, message=parent).status_code == 200
    [parent] = summaries_in(emulator, group)  # still one message, kept current
    assert ":white_check_mark: ~Draft the promo doc" in text_of(parent)
    assert said(thread_of(emulator, group, parent)) == [
        f":white_check_mark: <@{ALICE}> marked <@{BOB}>'s action item done: ~Draft the promo doc~"
    ]
    # By command too, under the same summary.
    review = item_id(sessions, "Review the budget")
    assert "Done: ~Review the budget~" in reply_text(slack.command(f"done {review}", user_id=ALICE))
    reply_text(slack.command(f"done {review}", user_id=BOB))
    [parent] = summaries_in(emulator, group)
    replies = said(thread_of(emulator, group, parent))
    assert replies[1:] == [
        f":white_check_mark: <@{ALICE}> marked their own action item done: ~Review the budget~"
    ]
    assert ":white_check_mark: ~Review the budget" in text_of(parent)


def test_each_copy_gets_its_reply_when_the_group_dm_was_refused(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, FIRST_END)
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    channel = emulator.dm_channel_for(BOB)
    form = opened_form(
        emulator,
        lambda: slack.action(
            BOB, [buttons(follow_up)["summary_open"]], channel_id=channel, message=follow_up
        ),
    )
    emulator.fail_next("conversations.open", status=200, error="method_not_supported_for_channel_type")
    assert submit_form(slack, BOB, fill_summary(form, "Solo copies", ITEMS)).status_code == 200
    copies = {user: summaries_in(emulator, emulator.dm_channel_for(user) or "") for user in (ALICE, BOB)}
    assert [len(c) for c in copies.values()] == [1, 1]
    alices = copies[ALICE][0]
    dm = emulator.dm_channel_for(ALICE) or ""
    clicked = slack.action(ALICE, [done_button(alices, "Draft the promo doc")], channel_id=dm, message=alices)
    assert clicked.status_code == 200
    for user in (ALICE, BOB):
        channel = emulator.dm_channel_for(user) or ""
        [copy] = summaries_in(emulator, channel)
        assert ":white_check_mark: ~Draft the promo doc" in text_of(copy)
        assert said(thread_of(emulator, channel, copy)) == [
            f":white_check_mark: <@{ALICE}> marked <@{BOB}>'s action item done: ~Draft the promo doc~"
        ]


def test_the_next_prompt_brings_what_is_still_open_into_the_last_summarys_thread(
    summarised: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
) -> None:
    group = group_channel(emulator)
    reply_text(slack.command(f"done {item_id(sessions, 'Review the budget')}", user_id=ALICE))
    tick(sessions, settings, SECOND_PROMPT)
    assert bot_messages(emulator, BOB, "add your topics")  # the next meeting's prompt went out
    tick(sessions, settings, SECOND_PROMPT + timedelta(hours=1))  # a later tick says nothing again
    [parent] = summaries_in(emulator, group)
    replies = [text_of(m) for m in thread_of(emulator, group, parent)]
    still_open = [r for r in replies if "Still open" in r]
    assert len(still_open) == 1
    promo = item_id(sessions, "Draft the promo doc")
    # Due on the 4th, asked on the 7th: overdue. The one done is not listed.
    assert f"*#{promo}* Draft the promo doc — <@{BOB}>, due Fri 04 Dec :warning: *overdue*" in still_open[0]
    assert "Review the budget" not in still_open[0]


def test_nothing_is_said_when_everything_is_done(
    summarised: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
) -> None:
    group = group_channel(emulator)
    for text, _, _ in ITEMS:
        reply_text(slack.command(f"done {item_id(sessions, text)}", user_id=BOB))
    tick(sessions, settings, SECOND_PROMPT)
    assert bot_messages(emulator, BOB, "add your topics")
    [parent] = summaries_in(emulator, group)
    assert [m for m in thread_of(emulator, group, parent) if "Still open" in text_of(m)] == []
    assert len(thread_of(emulator, group, parent)) == 2  # the two "marked done" replies only
