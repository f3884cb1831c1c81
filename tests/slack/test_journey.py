"""Issue 12's "done when", as one person's week without typing a command: Alice, new to the bot, schedules a
1:1 with Bob, adds topics (one by the message shortcut), sees it on her Home tab, writes a summary with
eight action items ticking the agenda's topics, changes her working hours and edits the series. Every
click is on a button of a view the bot published or opened for her (as the emulator stored it), over
signed HTTP and over Socket Mode; nothing is typed after `/1on1`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery.claims import HOME_MIN_INTERVAL
from bot.domain.agenda import TopicStatus
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Person, Series, Topic
from emulator.forms import ModalForm
from emulator.payloads import slack_text
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    COVERED_TOPICS,
    NEW_TOPIC,
    opened_form,
    submit_form,
    text_of,
    tick,
    wait_for_post,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people
from tests.slack.test_summary_form import click_add

CHANNEL = "CJOURNEY01"  # a channel the bot is not in
FIRST_END = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # Tuesday 10:00–10:30 in New York
SHARED = "Ship the R&D plan <draft> by Friday"  # what Carol typed in the channel


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)
    emulator.add_channel(CHANNEL, members=[ALICE, BOB, CAROL, DAVE], name="planning")


def later(clock: FakeClock) -> None:
    """Past the Home tab's pacing, so the next change or opening publishes at once."""
    clock.set(clock() + HOME_MIN_INTERVAL + timedelta(seconds=1))


def open_home(slack: SlackSender, emulator: SlackEmulator) -> dict[str, Any]:
    slack.home_opened(ALICE)
    view = emulator.home_view(ALICE)
    assert view is not None, "nothing was published to Alice's Home tab"
    return view


def home_button(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The Home tab's button `action_id` as a click on it reports it."""
    for block in view["blocks"]:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return {
                    "action_id": action_id,
                    "block_id": block["block_id"],
                    "value": element.get("value", ""),
                }
    raise AssertionError(f"no {action_id} button on the Home tab: {text_of({'blocks': view['blocks']})}")


def click_home(slack: SlackSender, emulator: SlackEmulator, action_id: str) -> ModalForm:
    """Alice clicks a button of her Home tab as last published: the form it opened."""
    button = home_button(emulator.home_view(ALICE) or {}, action_id)
    return opened_form(emulator, lambda: slack.home_action(ALICE, [button]))


def test_a_new_person_does_everything_by_clicking(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    assert clock() == START
    # 1. A first look at the Home tab: what the bot does, and a way to start.
    first = open_home(slack, emulator)
    assert "*1:1 with" not in text_of({"blocks": first["blocks"]})

    # 2. Schedule a 1:1 with Bob from that button: Tuesdays at 10:00, her time.
    form = click_home(slack, emulator, "schedule_open")
    form.choose_user("Who do you meet with?", BOB).select("Day", "Tuesday").pick_time("Time", "10:00")
    assert submit_form(slack, ALICE, form).json()["response_action"] == "update"
    assert wait_for_post(emulator, BOB, "1:1")  # Bob was told
    later(clock)
    home = open_home(slack, emulator)
    assert f"*1:1 with <@{BOB}>*" in text_of({"blocks": home["blocks"]})

    # 3. A topic from a message in a channel the bot is not in ("Add to 1:1 agenda"), with a link back.
    message = emulator.add_message(CHANNEL, CAROL, slack_text(SHARED))
    shortcut = opened_form(
        emulator, lambda: slack.message_shortcut(ALICE, "add_to_1on1_agenda", message, CHANNEL)
    )
    assert submit_form(slack, ALICE, shortcut).json()["response_action"] == "update"

    # 4. A topic from the Home tab's *Add a topic*.
    added = click_home(slack, emulator, "home_add_topic").fill(NEW_TOPIC, "How on-call is going")
    assert submit_form(slack, ALICE, added).status_code == 200
    with sessions() as session:
        topics = {t.text: t for t in session.scalars(select(Topic))}
    assert set(topics) == {f"“{SHARED}”", "How on-call is going"}
    assert topics[f"“{SHARED}”"].link and topics[f"“{SHARED}”"].link.endswith(message["ts"].replace(".", ""))
    later(clock)
    week = text_of({"blocks": open_home(slack, emulator)["blocks"]})
    assert "2 from you" in week or "2 topics" in week, week  # her two topics counted on the card

    # 5. After the meeting: *Write the summary* on the Home tab, eight action items, both topics ticked.
    tick(sessions, settings, FIRST_END + timedelta(minutes=1))
    clock.set(FIRST_END + timedelta(minutes=1))
    open_home(slack, emulator)
    summary = click_home(slack, emulator, "summary_open")
    summary.fill("Key points", "On-call is heavy; the R&D plan ships Friday")
    summary.check(COVERED_TOPICS, f"“{SHARED}”", "How on-call is going")
    for _ in range(3):
        summary = click_add(slack, emulator, ALICE, summary)
    items = [(f"Step {n}", ALICE if n % 2 else BOB) for n in range(1, 9)]
    for nth, (text, owner) in enumerate(items, start=1):
        summary.fill(f"Action item {nth}", text).choose_user("Owner", owner, nth=nth)
    assert submit_form(slack, ALICE, summary).status_code == 200
    with sessions() as session:
        people = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        kept = [
            (a.text, people[a.owner_id]) for a in session.scalars(select(ActionItem).order_by(ActionItem.id))
        ]
        statuses = {t.text: t.status for t in session.scalars(select(Topic))}
    assert kept == items
    assert set(statuses.values()) == {TopicStatus.COVERED}

    # 6. Her working hours, from Settings on the Home tab.
    later(clock)
    open_home(slack, emulator)
    hours = click_home(slack, emulator, "settings_open")
    hours.pick_time("Working day starts", "11:00").pick_time("Working day ends", "19:00")
    assert submit_form(slack, ALICE, hours).json()["response_action"] == "update"
    with sessions() as session:
        alice = session.scalars(select(Person).where(Person.slack_user_id == ALICE)).one()
        assert (alice.work_start, alice.work_end) == (time(11), time(19))

    # 7. Edit the series from the Home tab: 11:00 instead of 10:00; Bob hears what changed.
    later(clock)
    open_home(slack, emulator)
    edit = click_home(slack, emulator, "series_edit").pick_time("Time", "11:00")
    assert submit_form(slack, ALICE, edit).json()["response_action"] == "update"
    with sessions() as session:
        assert session.scalars(select(Series.local_time)).one() == time(11)
    assert "changed your 1:1" in text_of(wait_for_post(emulator, BOB, "changed your 1:1"))
