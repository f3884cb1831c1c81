"""Time away, end to end over HTTP and Socket Mode: `/1on1 away` and `back`, a vacation status, holidays,
and what away does to prompts, follow-ups, nudges, reschedule slots and cadence health."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import GRACE, MeetingStatus
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person, TimeAway
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    opened_form,
    posts_to,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, add_people

BERLIN = ZoneInfo("Europe/Berlin")
# Alice (New York) meets Bob (Berlin) on Tuesdays at 10:00 New York, 16:00 Berlin: 15:00 UTC.
WEEK_2 = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)  # the meeting in Bob's week away
WEEK_3 = WEEK_2 + timedelta(weeks=1)
LEAD = timedelta(hours=24)


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def pair(slack: SlackSender) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))


def meeting_at(sessions: SessionFactory, starts_at: datetime) -> Meeting:
    with sessions() as session:
        found = session.scalar(select(Meeting).where(Meeting.starts_at == starts_at))
        assert found is not None
        session.expunge(found)
        return found


def click(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, message: dict[str, Any], action: str
) -> str:
    url = emulator.new_response_url()
    response = slack.action(
        user_id,
        [buttons(message)[action]],
        channel_id=emulator.dm_channel_for(user_id),
        message=message,
        response_url=url,
    )
    assert response.status_code == 200
    return url


def away_week(sessions: SessionFactory, settings: Settings) -> None:
    """Up to Bob's week away: the first meeting held its prompt; the second's prompt time has come."""
    tick(sessions, settings, WEEK_2 - LEAD)


def test_away_next_week_no_prompt_alice_told_once_counted_away_and_the_first_prompt_back_says_so(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply = reply_text(slack.command("away 2026-12-07 to 2026-12-11", user_id=BOB))
    assert "You're away Mon 07 Dec to Fri 11 Dec" in reply
    assert f"<@{ALICE}>" in reply and "recorded as away" in reply  # the 1:1 that falls in it
    prompts_before = len(bot_messages(emulator, BOB, "add your topics"))

    away_week(sessions, settings)
    tick(sessions, settings, WEEK_2 - LEAD + timedelta(minutes=5))  # a later tick tells nobody twice
    assert len(bot_messages(emulator, BOB, "add your topics")) == prompts_before  # no prompt for Bob
    assert bot_messages(emulator, BOB, "is away") == []  # the person away hears nothing
    notices = bot_messages(emulator, ALICE, f"<@{BOB}> is away")
    assert len(notices) == 1
    assert "recorded as away" in text_of(notices[0])
    assert set(buttons(notices[0])) == {"away_reschedule", "away_skip"}
    meeting = meeting_at(sessions, WEEK_2)
    assert meeting.status is MeetingStatus.AWAY and meeting.away_told_at is not None
    assert meeting.revision == 1  # the calendar feed's SEQUENCE

    # After its end and past the grace: no "How did it go?", no nudge, for either.
    tick(sessions, settings, WEEK_2 + timedelta(minutes=30))
    tick(sessions, settings, WEEK_2 + timedelta(minutes=30) + GRACE + timedelta(minutes=1))
    for who in (ALICE, BOB):
        assert not [m for m in bot_messages(emulator, who, "How did your 1:1") if "Dec 8" in text_of(m)]
        assert bot_messages(emulator, who, "didn't happen") == []
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.AWAY

    # Health: away is neither held, skipped nor missed.
    listing = reply_text(slack.command("list", user_id=ALICE))
    assert "1 missed" not in listing

    # Bob's first prompt back says what happened meanwhile.
    tick(sessions, settings, WEEK_3 - LEAD)
    back = bot_messages(emulator, BOB, "add your topics")[-1]
    assert "away" in text_of(back) and "Tue 08 Dec" in text_of(back)


def test_health_counts_away_as_neither_held_nor_missed(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, clock: FakeClock
) -> None:
    reply_text(slack.command("away 2026-12-07 to 2026-12-11", user_id=BOB))
    tick(sessions, settings, datetime(2026, 12, 1, 15, 30, tzinfo=UTC))  # the first one ends unrecorded
    away_week(sessions, settings)
    tick(sessions, settings, WEEK_2 + timedelta(days=8))  # long past: the first one counts as missed
    clock.set(WEEK_2 + timedelta(days=8))
    listing = reply_text(slack.command("list", user_id=ALICE))
    assert "last 1: 0 held, 0 skipped, 1 missed" in listing  # the away one isn't counted at all
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.AWAY


def test_reschedule_from_the_notice_offers_slots_off_bobs_away_days_and_skip_records_it(
    pair: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command("away 2026-12-07 to 2026-12-09", user_id=BOB))
    away_week(sessions, settings)
    notice = bot_messages(emulator, ALICE, f"<@{BOB}> is away")[-1]
    clock.set(WEEK_2 - LEAD)
    url = click(slack, emulator, ALICE, notice, "away_reschedule")
    answer = emulator.response_posts(url)[-1].payload
    starts = [
        datetime.fromtimestamp(int(b["accessory"]["value"].split(":")[1]), UTC)
        for b in answer["blocks"]
        if b.get("accessory", {}).get("action_id") == "slot_choose"
    ]
    assert starts
    days = {s.astimezone(BERLIN).date() for s in starts}
    assert not days & {date(2026, 12, d) for d in (7, 8, 9)}  # never on his away days
    meeting = meeting_at(sessions, WEEK_2)
    assert meeting.status is MeetingStatus.SCHEDULED and meeting.offered_slots


def test_skip_on_the_notice_records_it_skipped_without_telling_bob(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command("away 2026-12-08", user_id=BOB))
    away_week(sessions, settings)
    notice = bot_messages(emulator, ALICE, f"<@{BOB}> is away")[-1]
    url = click(slack, emulator, ALICE, notice, "away_skip")
    assert "Skipped" in emulator.response_posts(url)[-1].payload["text"]
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.SKIPPED
    assert bot_messages(emulator, BOB, "skipped") == []


def test_back_clears_what_is_ahead_and_the_meeting_happens(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command("away 2026-12-01 to 2026-12-11", user_id=BOB))  # today included
    reply = reply_text(slack.command("back", user_id=BOB))
    assert "Welcome back" in reply
    with sessions() as session:
        rows = session.execute(select(TimeAway.first_day, TimeAway.last_day)).all()
    assert rows == []  # it began today: nothing of it is history yet
    away_week(sessions, settings)
    assert bot_messages(emulator, ALICE, "is away") == []
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.SCHEDULED
    assert [m for m in bot_messages(emulator, BOB, "add your topics") if "Tue 08 Dec" in text_of(m)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("away 2026-11-30", "already passed"),
        ("away 2026-12-10 to 2026-12-09", "before the start"),
        ("away 2028-01-04", "more than a year"),
        ("away 2026-12-02 to 2027-04-01", "longer than 90 days"),
        ("away tomorrow", "isn't a date"),
        ("away 2026-12-02 until 2026-12-03", "to <last day>"),
    ],
)
def test_away_refusals_say_why_and_store_nothing(
    pair: None, slack: SlackSender, sessions: SessionFactory, text: str, problem: str
) -> None:
    before = snapshot(sessions)
    assert problem in reply_text(slack.command(text, user_id=BOB))
    assert snapshot(sessions) == before


def test_overlapping_stretches_merge(pair: None, slack: SlackSender, sessions: SessionFactory) -> None:
    reply_text(slack.command("away 2026-12-07 to 2026-12-09", user_id=BOB))
    reply = reply_text(slack.command("away 2026-12-09 to 2026-12-14", user_id=BOB))
    assert "Mon 07 Dec to Mon 14 Dec" in reply
    with sessions() as session:
        assert session.execute(select(TimeAway.first_day, TimeAway.last_day)).all() == [
            (date(2026, 12, 7), date(2026, 12, 14))
        ]


def test_a_vacation_status_with_an_expiry_does_what_away_does(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    until = datetime(2026, 12, 12, 0, 0, tzinfo=BERLIN)
    emulator.set_status(BOB, "Vacation", ":palm_tree:", int(until.timestamp()))
    assert slack.user_changed(BOB).status_code == 200
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and bob.status_away_until == until.astimezone(UTC)
    away_week(sessions, settings)
    assert len(bot_messages(emulator, ALICE, f"<@{BOB}> is away")) == 1
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.AWAY

    # Cleared status: not away any more.
    emulator.set_status(BOB)
    slack.user_changed(BOB)
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and bob.status_away_until is None


def test_a_status_without_expiry_or_about_lunch_is_not_away(
    pair: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    emulator.set_status(BOB, "Vacation", ":palm_tree:", 0)
    slack.user_changed(BOB)
    emulator.set_status(ALICE, "Lunch", ":hamburger:", int(datetime(2026, 12, 2, tzinfo=UTC).timestamp()))
    slack.user_changed(ALICE)
    with sessions() as session:
        assert [p.status_away_until for p in session.scalars(select(Person))] == [None, None]


def test_users_info_carries_the_status_too(
    pair: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    until = datetime(2026, 12, 12, tzinfo=UTC)
    emulator.set_status(BOB, "OOO", ":airplane:", int(until.timestamp()))
    # A day later his zone is looked up again with users.info: the same answer gives his status.
    clock.set(clock() + timedelta(hours=25))
    reply_text(slack.command("agenda", user_id=BOB))
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and bob.status_away_until == until
    away_week(sessions, settings)
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.AWAY
    assert len(bot_messages(emulator, ALICE, f"<@{BOB}> is away")) == 1


def test_nudge_slots_skip_bobs_away_days_and_his_public_holidays(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """The meeting of Tue 22 Dec isn't held; Bob is away 23 Dec and in Germany 25-26 Dec are holidays."""
    with sessions.begin() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None
        bob.holiday_country = "DE"
    reply_text(slack.command("away 2026-12-23 to 2026-12-24", user_id=BOB))
    missed = datetime(2026, 12, 22, 15, 0, tzinfo=UTC)
    tick(sessions, settings, missed - LEAD)
    tick(sessions, settings, missed + timedelta(minutes=30))
    tick(sessions, settings, missed + timedelta(minutes=31) + GRACE)
    nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
    starts = [
        datetime.fromtimestamp(int(b["accessory"]["value"].split(":")[1]), UTC)
        for b in nudge["blocks"]
        if b.get("accessory", {}).get("action_id") == "slot_choose"
    ]
    days = {s.astimezone(BERLIN).date() for s in starts}
    assert days and not days & {date(2026, 12, d) for d in (23, 24, 25, 26)}
    assert posts_to(emulator, BOB)


# --- Settings: public holidays, time away, the busy calendar's address ------------------------------------


def open_settings(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    return opened_form(emulator, lambda: slack.command("settings", user_id=user_id))


def save(slack: SlackSender, user_id: str, form: ModalForm) -> dict[str, Any]:
    response = submit_form(slack, user_id, form)
    assert response.status_code == 200
    return dict(response.json())


def test_settings_holidays_and_time_away_are_saved_and_shown_again(
    pair: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    form = open_settings(slack, emulator, BOB)
    form.fill("Public holidays", "de-by").pick_date("Away from", "2026-12-07").pick_date(
        "Away until", "2026-12-11"
    )
    saved = save(slack, BOB, form)
    assert saved["response_action"] == "update"
    assert "Public holidays: DE-BY" in json.dumps(saved) and "Mon 07 Dec to Fri 11 Dec" in json.dumps(saved)
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and (bob.holiday_country, bob.holiday_region) == ("DE", "BY")
        assert session.execute(select(TimeAway.first_day, TimeAway.last_day)).all() == [
            (date(2026, 12, 7), date(2026, 12, 11))
        ]
    again = open_settings(slack, emulator, BOB)
    assert again.field("Public holidays").value == "DE-BY"
    assert again.field("Away from").value == "2026-12-07" and again.field("Away until").value == "2026-12-11"
    assert save(slack, BOB, again)["response_action"] == "update"  # saved unchanged: still one stretch
    with sessions() as session:
        assert len(session.execute(select(TimeAway.id)).all()) == 1
    away_week(sessions, settings)
    assert meeting_at(sessions, WEEK_2).status is MeetingStatus.AWAY


@pytest.mark.parametrize(
    ("label", "value", "field", "problem"),
    [
        ("Public holidays", "XX", "settings_holidays", "isn't a country I know"),
        ("Public holidays", "DE-ZZ", "settings_holidays", "no region"),
        ("Away from", "2026-11-20", "settings_away_from", "already passed"),
        ("Away until", "2026-11-20", "settings_away_from", "Pick the first day"),
        ("Busy calendar address", "http://192.168.1.5/cal.ics", "settings_busy_url", ""),
    ],
)
def test_settings_refusals_are_on_their_field_and_change_nothing(
    pair: None,
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    label: str,
    value: str,
    field: str,
    problem: str,
) -> None:
    form = open_settings(slack, emulator, BOB)
    if label.startswith("Away"):
        form.pick_date(label, value)
    else:
        form.fill(label, value)
    before = snapshot(sessions)
    refused = save(slack, BOB, form)
    assert refused["response_action"] == "errors" and list(refused["errors"]) == [field]
    assert problem in refused["errors"][field]
    assert snapshot(sessions) == before


def test_settings_busy_calendar_address_is_stored(
    pair: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = open_settings(slack, emulator, BOB)
    form.fill("Busy calendar address", "https://calendar.example.com/secret/basic.ics")
    assert save(slack, BOB, form)["response_action"] == "update"
    with sessions() as session:
        bob = session.scalar(select(Person).where(Person.slack_user_id == BOB))
        assert bob is not None and bob.busy_url == "https://calendar.example.com/secret/basic.ics"
