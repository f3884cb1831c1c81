"""The schedule modal end to end: opened from the Home tab, the "Schedule a 1:1" shortcut and `/1on1 schedule`
alone, filled by its labels and submitted as Slack sends it; refusals on their fields; editing a series."""

from __future__ import annotations

import time as clock_time
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.slack import ids
from bot.slack.rim import BAD_VALUE
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Series
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.read_back import manager_of_the_pair
from tests.slack.helpers import (
    opened_form,
    posts_to,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    wait_for_post,
)
from tests.slack.people import ALICE, BOB, CAROL, add_people

HELPER_BOT, GONE = "UHELPBOT1", "UGONE0001"
NEW_YORK = ZoneInfo("America/New_York")
PERSON, FIRST_DAY, CHANGES_FROM = "Who do you meet with?", "First meeting on or after", "Changes start on"
DAY_AFTER_THE_FIRST = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # Wednesday: Tue 1 Dec's 1:1 is over


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)
    emulator.add_user(HELPER_BOT, "standup-bot", is_bot=True)
    emulator.add_user(GONE, "former", deleted=True)


def home_click(slack: SlackSender, user_id: str, button: ids.Button[Any], value: Any) -> Any:
    """`user_id` clicks `button` in the bot's Home tab (a view: no response_url)."""
    action = {"action_id": button.action_id, "value": button.encode(value)}
    return slack.action(user_id, [action], view={"type": "home", "id": "VHOMETAB1", "callback_id": ""})


OPENERS: dict[str, Callable[[SlackSender, str], object]] = {
    "home": lambda slack, user: home_click(slack, user, ids.SCHEDULE_OPEN, ""),
    "shortcut": lambda slack, user: slack.shortcut(user, ids.SCHEDULE_SHORTCUT),
    "command": lambda slack, user: slack.command("schedule", user_id=user),
}


def new_form(
    slack: SlackSender, emulator: SlackEmulator, user_id: str = ALICE, via: str = "home"
) -> ModalForm:
    return opened_form(emulator, lambda: OPENERS[via](slack, user_id))


def filled(form: ModalForm, person: str = BOB, **changes: str) -> ModalForm:
    """Tuesdays at 10:00, weekly, 30 minutes (the defaults), with `person`; `changes` by label."""
    form.choose_user(PERSON, person).select("Day", "Tuesday").pick_time("Time", "10:00")
    for label, value in changes.items():
        if label == FIRST_DAY:
            form.pick_date(label, value)
        else:
            form.fill(label, value)
    return form


def hint_of(form: ModalForm, label: str) -> str:
    block = next(b for b in form.view["blocks"] if (b.get("label") or {}).get("text") == label)
    return str((block.get("hint") or {}).get("text"))


def shown(view: dict[str, Any]) -> str:
    return "\n".join(text_of({"blocks": view["blocks"]}).splitlines())


def all_series(sessions: SessionFactory) -> list[Series]:
    with sessions() as session:
        return list(session.scalars(select(Series)))


def errors_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


# ------------------------------------------------------------------------------------------------ scheduling


@pytest.mark.parametrize("via", list(OPENERS))
def test_a_new_person_schedules_by_clicking_and_the_other_is_told(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, via: str
) -> None:
    form = new_form(slack, emulator, ALICE, via)
    [opened] = emulator.calls("views.open")
    trigger = emulator.trigger(opened.args["trigger_id"])
    assert (
        trigger is not None and trigger.user_id == ALICE and trigger.exchanged
    )  # one Slack issued, used once
    assert form.view["title"]["text"] == "Schedule a 1:1" and form.view["private_metadata"] == ""
    assert form.labels == [
        PERSON,
        "Who leads it?",
        "How often",
        "Day",
        "Time",
        "Length (minutes)",
        FIRST_DAY,
        "Ask for topics (hours before)",
    ]
    if via != "command":  # a command is answered before Slack is asked for a zone nobody knows yet
        assert hint_of(form, "Time") == "In your time zone, America/New_York."
    response = submit_form(slack, ALICE, filled(form).select("How often", "Every two weeks"))
    body = response.json()
    assert body["response_action"] == "update" and body["view"]["title"]["text"] == "1:1 scheduled"
    assert f"Scheduled a *biweekly* 1:1 with <@{BOB}>" in shown(body["view"])
    [stored] = all_series(sessions)
    assert (stored.cadence, stored.weekday, stored.local_time, stored.timezone, stored.lead_minutes) == (
        Cadence.BIWEEKLY,
        1,
        time(10),
        "America/New_York",
        24 * 60,
    )
    announced = wait_for_post(emulator, BOB, "set up a")
    assert f"<@{ALICE}> set up a *biweekly* 1:1 with you" in text_of(announced)


def test_the_command_names_the_zone_when_the_bot_knows_it(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{CAROL}> weekly mon 09:00", user_id=ALICE))  # Alice's zone is kept
    form = new_form(slack, emulator, ALICE, "command")
    assert hint_of(form, "Time") == "In your time zone, America/New_York."


def test_every_field_is_sent_as_the_person_set_it(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    form = filled(
        new_form(slack, emulator), **{"Length (minutes)": "45", "Ask for topics (hours before)": "48"}
    )
    form.choose("Who leads it?", "They lead").select("How often", "Monthly").pick_date(
        FIRST_DAY, "2026-12-10"
    )
    assert submit_form(slack, ALICE, form).json()["response_action"] == "update"
    [stored] = all_series(sessions)
    assert (stored.cadence, stored.first_date, stored.duration_minutes, stored.lead_minutes) == (
        Cadence.MONTHLY,
        date(2026, 12, 15),  # the first Tuesday on or after the 10th
        45,
        48 * 60,
    )
    assert manager_of_the_pair(sessions) == BOB


@pytest.mark.parametrize(
    ("person", "changes", "field", "words"),
    [
        (ALICE, {}, "person", "not yourself"),
        (HELPER_BOT, {}, "person", "That's a bot, not a person"),
        (GONE, {}, "person", "That account is deactivated"),
        (BOB, {FIRST_DAY: "2026-11-30"}, "first_date", "The first date, 2026-11-30, is in the past."),
        (BOB, {"Length (minutes)": "600"}, "length", "between 5 and 480 minutes"),
        (BOB, {"Length (minutes)": "one hour"}, "length", "between 5 and 480 minutes"),
        (BOB, {"Ask for topics (hours before)": "0"}, "lead", "from 1 to 168"),
    ],
)
def test_a_refusal_shows_on_its_field_and_changes_nothing(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    person: str,
    changes: dict[str, str],
    field: str,
    words: str,
) -> None:
    form = filled(new_form(slack, emulator), person, **changes)
    before = snapshot(sessions)
    errors = errors_of(submit_form(slack, ALICE, form))
    assert list(errors) == [field] and words in errors[field], errors
    assert snapshot(sessions) == before
    assert emulator.calls("chat.postMessage") == []


def test_someone_you_already_meet_is_refused_on_the_person(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    reply_text(slack.command(f"schedule <@{ALICE}> weekly thu 09:00", user_id=BOB))
    form = filled(new_form(slack, emulator))
    before = snapshot(sessions)
    errors = errors_of(submit_form(slack, ALICE, form))
    assert errors == {
        "person": "You already have a recurring 1:1 with this person. To change it, use Edit on my Home tab."
    }
    assert snapshot(sessions) == before


def test_several_wrong_fields_are_shown_at_once(slack: SlackSender, emulator: SlackEmulator) -> None:
    form = filled(
        new_form(slack, emulator), **{"Length (minutes)": "2", "Ask for topics (hours before)": "999"}
    )
    assert set(errors_of(submit_form(slack, ALICE, form))) == {"length", "lead"}


def test_the_command_refuses_a_bot_too(slack: SlackSender, sessions: SessionFactory) -> None:
    before = snapshot(sessions)
    reply = reply_text(slack.command(f"schedule <@{HELPER_BOT}> weekly tue 10:00", user_id=ALICE))
    assert f"<@{HELPER_BOT}> is a bot, not a person" in reply
    assert snapshot(sessions) == before


def test_when_slack_is_too_slow_to_vouch_for_the_person_nothing_is_stored(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    reply_text(slack.command(f"schedule <@{CAROL}> weekly mon 09:00", user_id=ALICE))  # Alice's zone is kept
    form = filled(new_form(slack, emulator))  # Bob's is not known yet
    before = snapshot(sessions)
    emulator.set_latency(2.0)
    started = clock_time.monotonic()
    errors = errors_of(submit_form(slack, ALICE, form))
    assert clock_time.monotonic() - started < 2.0  # answered well inside Slack's 3 seconds
    assert "Slack didn't answer in time" in errors["person"] and "try again" in errors["person"]
    assert snapshot(sessions) == before
    emulator.set_latency(0)
    assert submit_form(slack, ALICE, form).json()["response_action"] == "update"
    assert len(all_series(sessions)) == 2


def test_when_slack_is_too_slow_to_say_your_own_zone_nothing_is_stored(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    form = filled(new_form(slack, emulator))  # a new person: the bot keeps nobody's zone until a 1:1
    emulator.set_latency(2.0)
    errors = errors_of(submit_form(slack, ALICE, form))
    assert list(errors) == ["time"] and "your time zone" in errors["time"] and "try again" in errors["time"]
    assert all_series(sessions) == []


def test_when_the_modal_cant_open_the_person_is_told_in_a_dm(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    emulator.fail_next("views.open", status=200, error="internal_error")
    slack.shortcut(ALICE, ids.SCHEDULE_SHORTCUT)
    told = wait_for_post(emulator, ALICE, "didn't open")
    assert "Please try again in a moment" in text_of(told)


def test_schedule_from_inside_another_modal_is_stacked_on_it(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    action = {"action_id": ids.SCHEDULE_OPEN.action_id, "value": ""}
    slack.action(ALICE, [action], view={"type": "modal", "id": "VOTHER001", "callback_id": "other"})
    [pushed] = emulator.wait_for("views.push")
    assert pushed.args["view"]["callback_id"] == ids.SCHEDULE_MODAL
    assert emulator.calls("views.open") == []


# ------------------------------------------------------------------------------------------------ editing


@pytest.fixture
def weekly(slack: SlackSender, clock: FakeClock, sessions: SessionFactory) -> int:
    """Alice (New York) leads a weekly 1:1 with Bob (Berlin), Tuesdays at 10:00; it is Wednesday 2 Dec, and
    Bob has a topic on the next one (Tue 8 Dec). Returns the series id."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    clock.set(DAY_AFTER_THE_FIRST)
    reply_text(slack.command(f"add-topic <@{ALICE}> Conference budget", user_id=BOB))
    [stored] = all_series(sessions)
    return stored.id


def starts(sessions: SessionFactory, status: MeetingStatus) -> list[str]:
    with sessions() as session:
        rows = session.scalars(select(Meeting).where(Meeting.status == status).order_by(Meeting.starts_at))
        return [f"{m.starts_at.astimezone(NEW_YORK):%a %d %b %H:%M}" for m in rows]


def test_edit_opens_filled_in_and_changes_the_future_only(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    form = opened_form(emulator, lambda: home_click(slack, ALICE, ids.SERIES_EDIT, weekly))
    assert form.view["title"]["text"] == "Edit your 1:1" and form.view["private_metadata"] == str(weekly)
    assert f"Your 1:1 with <@{BOB}>" in shown(form.view) and PERSON not in form.labels  # not a choice
    assert form.field("Day").value["value"] == "1" and form.field("Time").value == "10:00"
    assert form.field("How often").value["value"] == "weekly"
    assert form.field("Who leads it?").value["value"] == "me"
    assert (form.field("Length (minutes)").value, form.field(CHANGES_FROM).value) == ("30", "2026-12-08")
    form.select("How often", "Every two weeks").select("Day", "Thursday").pick_time("Time", "11:00")
    body = submit_form(slack, ALICE, form).json()
    assert body["response_action"] == "update" and body["view"]["title"]["text"] == "1:1 updated"
    assert "When: Tuesdays at 10:00 → *Thursdays at 11:00* (your time, America/New_York)" in shown(
        body["view"]
    )
    # The meeting held yesterday stays; from next week on, every other Thursday at 11:00.
    assert starts(sessions, MeetingStatus.SCHEDULED)[:4] == [
        "Tue 01 Dec 10:00",
        "Thu 10 Dec 11:00",
        "Thu 24 Dec 11:00",
        "Thu 07 Jan 11:00",
    ]
    # Bob's topic for the Tuesday that no longer exists is on the next 1:1.
    agenda = reply_text(slack.command(f"agenda <@{ALICE}>", user_id=BOB))
    assert "Thu 10 Dec 2026 17:00 CET" in agenda and "Carried over" not in agenda  # on it, not left behind
    assert "Conference budget" in agenda.split("Agenda so far", 1)[1]
    # Bob hears what changed, in Berlin time.
    told = text_of(wait_for_post(emulator, BOB, "changed your 1:1"))
    assert f"<@{ALICE}> changed your 1:1 together" in told
    assert "How often: weekly → *every two weeks*" in told
    assert "When: Tuesdays at 16:00 → *Thursdays at 17:00* (your time, Europe/Berlin)" in told
    assert "Thu 10 Dec 2026 17:00 CET" in told


def test_either_of_the_two_may_edit_and_an_edit_that_changes_nothing_tells_nobody(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    form = opened_form(emulator, lambda: home_click(slack, BOB, ids.SERIES_EDIT, weekly))
    assert form.field("Time").value == "16:00" and form.field("Who leads it?").value["value"] == "them"
    assert hint_of(form, "Time") == "In your time zone, Europe/Berlin."
    before = snapshot(sessions)
    posts = len(emulator.calls("chat.postMessage"))
    body = submit_form(slack, BOB, form).json()
    assert body["response_action"] == "update" and "Nothing changed" in shown(body["view"])
    assert snapshot(sessions) == before
    assert len(emulator.calls("chat.postMessage")) == posts


def test_a_stranger_editing_someone_elses_series_opens_nothing_and_learns_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    before, calls = snapshot(sessions), len(emulator.calls())
    for series_id in (weekly, weekly + 1000):  # theirs, and none at all: answered alike
        response = home_click(slack, CAROL, ids.SERIES_EDIT, series_id)
        assert response.status_code == 200
    assert emulator.calls()[calls:] == []  # no modal, not even a look-up of Carol
    assert posts_to(emulator, CAROL) == []
    assert {name for name, rows in snapshot(sessions).items() if rows != before[name]} <= {
        "person",
        "workspace",
    }


def test_an_edit_click_in_a_message_is_refused_privately_under_it(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    before = snapshot(sessions)
    for value, words in ((str(weekly), "That 1:1 isn't one of yours."), ("12abc", BAD_VALUE)):
        url = emulator.new_response_url()
        action = {"action_id": ids.SERIES_EDIT.action_id, "value": value}
        slack.action(CAROL, [action], message={"ts": "1700000000.000100"}, response_url=url)
        [answer] = emulator.response_posts(url)
        assert (
            answer.payload["text"] == f":warning: {words}" and answer.payload["response_type"] == "ephemeral"
        )
    assert emulator.calls("views.open") == [] and snapshot(sessions) == before


def test_a_crafted_submission_for_someone_elses_series_is_refused(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    form = opened_form(emulator, lambda: home_click(slack, ALICE, ids.SERIES_EDIT, weekly))
    form.pick_time("Time", "12:00")
    before = snapshot(sessions)
    errors = errors_of(slack.submit(CAROL, form.view, form.state_values()))
    assert errors == {"leads": "That 1:1 isn't one of yours."}
    assert snapshot(sessions) == before


def test_an_ended_series_says_so_instead_of_a_form(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, weekly: int
) -> None:
    with sessions.begin() as session:
        stored = session.get(Series, weekly)
        assert stored is not None
        stored.active = False
    home_click(slack, ALICE, ids.SERIES_EDIT, weekly)  # the button of a Home tab shown before it ended
    [opened] = emulator.wait_for("views.open")
    view = opened.args["view"]
    assert "has already ended" in shown(view) and not any(b["type"] == "input" for b in view["blocks"])
