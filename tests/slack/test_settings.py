"""Settings, end to end: the modal from `/1on1 settings` and the Home tab's button, filled in and saved as a
person does it, and what the settings change: reschedule slots, when each person is prompted, the question."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.slack import ids
from bot.store.db import SessionFactory
from bot.store.models import Person
from emulator.forms import ModalForm, NotSubmittable
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    opened_form,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, DAVE, add_people

NEW_YORK = ZoneInfo("America/New_York")
FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 in New York
FIRST_END = FIRST_START + timedelta(minutes=30)
SECOND_START = FIRST_START + timedelta(weeks=1)
PROMPT = "add your topics"  # in every pre-meeting prompt's text
QUESTION = "Something to think about"  # the question suggestion in a prompt

DAYS, STARTS, ENDS, LEAD, SUGGESTION, PULSE = (
    "Working days",
    "Working day starts",
    "Working day ends",
    "Ask me for topics",
    "Question suggestion",
    "Pulse check-in",
)
AS_REPORT = "Offer me the pulse check-in in 1:1s with my manager"  # on by default; "…in 1:1s I lead" off
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def open_by_command(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    return opened_form(emulator, lambda: slack.command("settings", user_id=user_id))


def open_from_home(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks *Settings* at the top of their Home tab (a click in a view: no response_url)."""
    button = ids.SETTINGS_OPEN.element("Settings", "").to_dict()
    home = {"type": "home", "blocks": [{"type": "actions", "block_id": "home_top", "elements": [button]}]}
    return opened_form(emulator, lambda: slack.action(user_id, [button], view=home))


def shown(form: ModalForm) -> dict[str, Any]:
    """What the form shows in each field, as a person reads it."""
    return {
        DAYS: [option["text"]["text"] for option in form.field(DAYS).value],
        STARTS: form.field(STARTS).value,
        ENDS: form.field(ENDS).value,
        LEAD: form.field(LEAD).value["text"]["text"],
        SUGGESTION: bool(form.field(SUGGESTION).value),
        PULSE: [option["text"]["text"] for option in form.field(PULSE).value],
    }


def hints(form: ModalForm) -> str:
    return json.dumps([block.get("hint") for block in form.view["blocks"]])


def save(slack: SlackSender, user_id: str, form: ModalForm, **kw: Any) -> dict[str, Any]:
    """Submit the form; the body Slack got back (a refusal's errors, or the view it turns into)."""
    response = submit_form(slack, user_id, form, **kw)
    assert response.status_code == 200
    return response.json()


def choose(
    form: ModalForm,
    days: tuple[str, ...] | None = None,
    starts: str | None = None,
    ends: str | None = None,
    lead: str | None = None,
    suggestion: bool | None = None,
) -> ModalForm:
    """Change what a person would change in the form, as they do it."""
    if days is not None:
        form.uncheck(DAYS, *WEEKDAY_NAMES).check(DAYS, *days) if days else form.uncheck(DAYS, *WEEKDAY_NAMES)
    if starts is not None:
        form.pick_time(STARTS, starts)
    if ends is not None:
        form.pick_time(ENDS, ends)
    if lead is not None:
        form.select(LEAD, lead)
    if suggestion is not None:
        form.check(SUGGESTION, *_suggestion(form)) if suggestion else form.uncheck(
            SUGGESTION, *_suggestion(form)
        )
    return form


def _suggestion(form: ModalForm) -> list[str]:
    return [option["text"]["text"] for option in form.field(SUGGESTION).element["options"]]


def person(sessions: SessionFactory, user_id: str) -> Person:
    with sessions() as session:
        return session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()


def alice_meets(slack: SlackSender, other: str) -> None:
    """Alice (New York) leads a weekly 1:1 with `other` on Tuesdays at 10:00, from Tue 1 Dec."""
    reply_text(slack.command(f"schedule <@{other}> weekly tue 10:00", user_id=ALICE))


# --- opening the modal ------------------------------------------------------------------------------


def test_the_command_opens_the_modal_with_the_defaults_and_the_persons_zone(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    alice_meets(slack, BOB)
    response = slack.command("settings", user_id=ALICE)
    assert response.status_code == 200 and not response.content  # an empty ack: the form is the answer
    form = ModalForm.stored(emulator, emulator.calls("views.open")[-1].response["view"]["id"])
    assert form.view["title"]["text"] == "Settings"
    assert shown(form) == {
        DAYS: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
        STARTS: "09:00",
        ENDS: "17:00",
        LEAD: "Each 1:1's own setting (1 day before)",
        SUGGESTION: True,
        PULSE: [AS_REPORT],
    }
    assert "America/New_York" in hints(form)
    assert [c for c in emulator.calls("chat.postMessage") if c.args.get("channel") == ALICE] == []


def test_the_home_tabs_button_opens_it_with_what_was_saved(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    alice_meets(slack, BOB)
    form = choose(
        open_from_home(slack, emulator, ALICE),
        days=("Tuesday", "Wednesday", "Thursday"),
        starts="12:00",
        ends="20:00",
        lead="3 days before",
        suggestion=False,
    )
    saved = save(slack, ALICE, form)
    # The modal turns into what now applies: the person sees it where they are looking.
    assert saved["response_action"] == "update"
    text = text_of({"blocks": saved["view"]["blocks"]})
    assert "Saved" in text and "Tuesday to Thursday" in text and "12:00 to 20:00 (America/New_York)" in text
    assert "3 days before each 1:1" in text and "Question suggestion: off" in text
    assert "Pulse check-in: in 1:1s with your manager" in text
    again = open_from_home(slack, emulator, ALICE)
    assert shown(again) == {
        DAYS: ["Tuesday", "Wednesday", "Thursday"],
        STARTS: "12:00",
        ENDS: "20:00",
        LEAD: "3 days before",
        SUGGESTION: False,
        PULSE: [AS_REPORT],
    }
    alice = person(sessions, ALICE)
    stored = (alice.work_days, alice.work_start, alice.work_end)
    assert stored == ("123", time(12), time(20))
    assert (alice.prompt_lead_minutes, alice.question_suggestions) == (3 * 24 * 60, False)
    assert person(sessions, BOB).work_days is None  # Bob's are his own


def test_someone_with_no_1on1_yet_can_open_and_save_their_settings(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    form = open_by_command(slack, emulator, DAVE)
    assert "In your Slack time zone." in hints(form)  # not looked up yet: the ack never waits on Slack
    assert save(slack, DAVE, choose(form, lead="2 hours before"))["response_action"] == "update"
    assert person(sessions, DAVE).prompt_lead_minutes == 120


def test_a_lead_time_an_older_form_offered_is_shown_and_saved_as_it_is(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    save(slack, ALICE, open_by_command(slack, emulator, ALICE))  # Alice is known, with the defaults
    with sessions.begin() as session:
        session.scalars(select(Person).where(Person.slack_user_id == ALICE)).one().prompt_lead_minutes = 90
    form = open_by_command(slack, emulator, ALICE)
    assert shown(form)[LEAD] == "90 minutes before"
    assert save(slack, ALICE, form)["response_action"] == "update"
    assert person(sessions, ALICE).prompt_lead_minutes == 90


# --- refusals ---------------------------------------------------------------------------------------


def test_no_working_day_is_refused_on_its_field_and_changes_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    alice_meets(slack, BOB)
    form = choose(open_by_command(slack, emulator, ALICE), days=(), lead="1 week before")
    # Slack's own client keeps a required field from going out empty…
    with pytest.raises(NotSubmittable, match="Working days"):
        form.state_values()
    # …and a client that sends it anyway is told on the field, with nothing stored.
    before = snapshot(sessions)
    refused = slack.submit(ALICE, form.view, form.state_values(unchecked=True)).json()
    assert refused == {
        "response_action": "errors",
        "errors": {"settings_work_days": "Pick at least one working day."},
    }
    assert snapshot(sessions) == before


def test_an_end_before_the_start_is_refused_on_the_end_and_changes_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    alice_meets(slack, BOB)
    form = choose(open_by_command(slack, emulator, ALICE), starts="17:00", ends="09:00", lead="1 week before")
    before = snapshot(sessions)
    refused = save(slack, ALICE, form)
    assert refused["response_action"] == "errors" and list(refused["errors"]) == ["settings_work_end"]
    assert "The end, 09:00, isn't after the start, 17:00." in refused["errors"]["settings_work_end"]
    assert snapshot(sessions) == before
    # Too short a day is refused the same way; a real one is saved.
    assert list(save(slack, ALICE, choose(form, starts="09:00", ends="09:30"))["errors"]) == [
        "settings_work_end"
    ]
    assert snapshot(sessions) == before
    assert save(slack, ALICE, choose(form, ends="10:00"))["response_action"] == "update"


@pytest.mark.parametrize(
    ("label", "value", "field"),
    [
        (LEAD, {"text": {"type": "plain_text", "text": "1 minute"}, "value": "1"}, "settings_prompt_lead"),
        (LEAD, {"text": {"type": "plain_text", "text": "soon"}, "value": "soon"}, "settings_prompt_lead"),
        (ENDS, "7pm", "settings_work_end"),
        (DAYS, [{"text": {"type": "plain_text", "text": "Someday"}, "value": "8"}], "settings_work_days"),
    ],
)
def test_a_crafted_value_is_refused_on_its_field(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, label: str, value: Any, field: str
) -> None:
    """What no person can pick (a hand-crafted client's request) is refused too, and stores nothing."""
    form = open_by_command(slack, emulator, ALICE).forge(label, value)
    before = snapshot(sessions)
    refused = slack.submit(ALICE, form.view, form.state_values(unchecked=True)).json()
    assert refused["response_action"] == "errors" and list(refused["errors"]) == [field]
    assert snapshot(sessions) == before


# --- what the settings change -----------------------------------------------------------------------


def slot_starts(nudge: dict[str, Any]) -> list[datetime]:
    values = [
        b["accessory"]["value"]
        for b in nudge["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "slot_choose"
    ]
    return [datetime.fromtimestamp(int(value.split(":")[1]), UTC) for value in values]


def test_a_missed_meeting_is_offered_slots_inside_both_peoples_own_hours(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    # Alice works Tuesday to Thursday, 12:00 to 20:00 in New York; Dave, there too, keeps the default week.
    alice_meets(slack, DAVE)
    form = choose(
        open_by_command(slack, emulator, ALICE), ("Tuesday", "Wednesday", "Thursday"), "12:00", "20:00"
    )
    save(slack, ALICE, form)
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END + timedelta(minutes=5))
    follow_up = bot_messages(emulator, DAVE, "How did your 1:1")[-1]
    channel = emulator.dm_channel_for(DAVE)
    slack.action(DAVE, [buttons(follow_up)["meeting_not_held"]], channel_id=channel, message=follow_up)
    nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
    starts = slot_starts(nudge)
    assert 2 <= len(starts) <= 4
    for start in starts:
        local, end = start.astimezone(NEW_YORK), (start + timedelta(minutes=30)).astimezone(NEW_YORK)
        assert local.weekday() in (1, 2, 3)  # her days: never a Monday or a Friday
        assert time(12) <= local.time() and end.time() <= time(17)  # her start, Dave's end
    assert "outside working hours" not in text_of(nudge)
    # Her Friday and Monday mornings, which the default week offered, are gone.
    assert [s.astimezone(NEW_YORK).day for s in starts] == [1, 2, 3, 8][: len(starts)]


def prompts(emulator: SlackEmulator, user_id: str) -> int:
    return len(bot_messages(emulator, user_id, PROMPT))


def test_my_own_lead_time_asks_me_three_days_before_and_the_other_at_the_1on1s_24_hours(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, settings: Settings
) -> None:
    alice_meets(slack, BOB)
    tick(sessions, settings, FIRST_START - timedelta(hours=6))  # the first meeting is asked about at once
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (1, 1)
    save(slack, ALICE, choose(open_by_command(slack, emulator, ALICE), lead="3 days before"))
    # Nothing already asked is asked again.
    tick(sessions, settings, SECOND_START - timedelta(days=3, minutes=1))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (1, 1)
    # Sat 5 Dec: Alice's prompt for Tue 8 Dec; Bob's waits for the 1:1's 24 hours.
    tick(sessions, settings, SECOND_START - timedelta(days=3))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (2, 1)
    # Alice goes back to the 1:1's own time: her prompt, already sent, is not sent again.
    save(
        slack,
        ALICE,
        choose(open_by_command(slack, emulator, ALICE), lead="Each 1:1's own setting (1 day before)"),
    )
    tick(sessions, settings, SECOND_START - timedelta(days=1, minutes=1))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (2, 1)
    tick(sessions, settings, SECOND_START - timedelta(days=1))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (2, 2)
    # From the next meeting on, both are asked a day before.
    tick(sessions, settings, SECOND_START + timedelta(weeks=1, days=-1, minutes=-1))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (2, 2)
    tick(sessions, settings, SECOND_START + timedelta(weeks=1, days=-1))
    assert (prompts(emulator, ALICE), prompts(emulator, BOB)) == (3, 3)


def test_the_question_suggestion_off_for_alice_stays_on_for_bob(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, settings: Settings
) -> None:
    alice_meets(slack, BOB)
    save(slack, ALICE, choose(open_by_command(slack, emulator, ALICE), suggestion=False))
    tick(sessions, settings, FIRST_START - timedelta(hours=6))
    alice_prompt, bob_prompt = (bot_messages(emulator, user, PROMPT)[-1] for user in (ALICE, BOB))
    assert QUESTION in text_of(bob_prompt)
    assert QUESTION not in text_of(alice_prompt)
    # The same meeting for both: only the suggestion differs.
    same = f"<!date^{int(FIRST_START.timestamp())}^"
    assert same in text_of(alice_prompt) and same in text_of(bob_prompt)
