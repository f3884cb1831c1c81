"""After the clock was down, end to end: the 1:1 that ended meanwhile is asked about first, nudged a day
later, and "It did happen" on the nudge records it as held and ends the chase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import GRACE, MeetingStatus
from bot.store.db import SessionFactory
from bot.store.models import Meeting
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
from tests.slack.people import ALICE, BOB, CAROL, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
BACK = FIRST_END + timedelta(days=3)  # the clock was down from before the 1:1 until Friday
NUDGE = "didn't happen"  # in every nudge


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def click(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, message: dict[str, Any], button: dict[str, Any]
) -> str:
    """Click like Slack: a block_actions payload for that message in `user_id`'s DM; its response_url."""
    url = emulator.new_response_url()
    channel = emulator.dm_channel_for(user_id) or emulator.dm_channel_for(BOB)
    response = slack.action(user_id, [button], channel_id=channel, message=message, response_url=url)
    assert response.status_code == 200
    return url


def first_meeting(sessions: SessionFactory) -> Meeting:
    with sessions() as session:
        found = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        assert found is not None
        return found


def test_it_did_happen_on_a_nudge_records_the_meeting_as_held_and_no_nudge_follows(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))

    tick(sessions, settings, BACK)  # back after three days: asked first, naming the day, not nudged
    asked = bot_messages(emulator, BOB, f"How did your 1:1 with <@{ALICE}>")
    assert len(asked) == 1 and f"<!date^{int(FIRST_START.timestamp())}^" in text_of(asked[0])
    assert not bot_messages(emulator, BOB, NUDGE)
    tick(sessions, settings, BACK + GRACE - timedelta(minutes=1))
    assert not bot_messages(emulator, BOB, NUDGE)
    tick(sessions, settings, BACK + GRACE)  # a day after the question: the nudge
    [nudge] = bot_messages(emulator, BOB, NUDGE)
    it_did = buttons(nudge)["summary_open"]
    assert (it_did["text"]["text"], it_did["value"]) == ("It did happen", str(first_meeting(sessions).id))

    clock.set(BACK + GRACE + timedelta(hours=1))
    # Someone else's click (a forged one: only Bob sees his DM) opens nothing.
    opened = len(emulator.calls("views.open"))
    url = click(slack, emulator, CAROL, nudge, it_did)
    assert "isn't one of yours" in emulator.response_posts(url)[-1].payload["text"]
    assert len(emulator.calls("views.open")) == opened
    form = opened_form(emulator, lambda: click(slack, emulator, BOB, nudge, it_did))
    assert form.view["title"]["text"] == "1:1 summary"
    assert submit_form(slack, BOB, fill_summary(form, "We met after all")).status_code == 200
    assert first_meeting(sessions).status is MeetingStatus.HELD

    # The slots on offer are withdrawn: Alice's "Book this" in her copy of the nudge books nothing.
    [alices] = bot_messages(emulator, ALICE, NUDGE)
    url = click(slack, emulator, ALICE, alices, buttons(alices)["slot_choose"])
    assert "already rebooked, skipped or recorded" in emulator.response_posts(url)[-1].payload["text"]
    for days in (2, 3):  # when the last call, then "missed", would have come
        tick(sessions, settings, BACK + days * GRACE)
    assert [len(bot_messages(emulator, user, NUDGE)) for user in (ALICE, BOB)] == [1, 1]
    clock.set(BACK + 3 * GRACE + timedelta(hours=1))
    assert "last 1: 1 held, 0 skipped, 0 missed" in reply_text(slack.command("list", user_id=ALICE))
