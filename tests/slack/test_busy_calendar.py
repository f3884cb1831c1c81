"""Busy times from a person's own calendar, end to end: `/1on1 calendar busy`, the clock's reading job
(`python -m bot tick` runs it too) against a served .ics, the failure DM, and reschedule slots."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from bot import processes
from bot.config import Settings
from bot.services.calendar_busy import set_busy_url
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from bot.store.models import BusyInterval, Meeting, Person
from emulator.requests import SlackSender
from emulator.web_api import TEAM_ID, SlackEmulator
from tests.calendar.feed_server import FeedServer, Served, feed_server
from tests.calendar.test_busy_fetch import BOBS_CALENDAR, SECRET_TITLES
from tests.conftest import FakeClock, app_under_test, http_sender, serving
from tests.slack.helpers import bot_messages, buttons, reply_text, snapshot, tick
from tests.slack.people import ALICE, BOB, add_people

GOOGLE = "https://calendar.google.com/calendar/ical/bob%40example.com/private-0123456789abcdef/basic.ics"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as served:
        yield served


@pytest.fixture
def private_slack(
    settings: Settings, engine: Engine, clock: FakeClock, emulator: SlackEmulator, sessions: SessionFactory
) -> Iterator[SlackSender]:
    """The app as tests run it with CALENDAR_FETCH_PRIVATE on (plain http and loopback calendars)."""
    app, later, deliverer = app_under_test(replace(settings, calendar_fetch_private=True), engine, clock)
    with serving(app, engine, clock) as url:
        sender = http_sender(url, emulator, later, deliverer, app)
        yield sender
        sender.close()
        later.wait_idle(10)
        deliverer.wait_idle(10)
    deliverer.stop()  # type: ignore[attr-defined]


def read_calendars(settings: Settings, at: datetime, *, private: bool = True) -> None:
    """`python -m bot tick --at`: it reads the calendars due (the clock's job does the same every minute)."""
    assert processes.tick(replace(settings, calendar_fetch_private=private), at) == 0


def person(sessions: SessionFactory, user_id: str) -> Person:
    with sessions() as session:
        return session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()


def intervals(sessions: SessionFactory) -> list[tuple[datetime, datetime, bool]]:
    with sessions() as session:
        rows = session.scalars(select(BusyInterval).order_by(BusyInterval.starts_at))
        return [(r.starts_at, r.ends_at, r.out_of_office) for r in rows]


def failure_dms(emulator: SlackEmulator, user_id: str) -> list[dict[str, object]]:
    return bot_messages(emulator, user_id, "couldn't read your calendar")


# ------------------------------------------------------------------------------------------------ the command


def test_a_secret_address_is_stored_and_shown_by_its_host_only(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    text = reply_text(slack.command(f"calendar busy <{GOOGLE}>", user_id=BOB))
    assert "calendar.google.com…" in text and "within 15 minutes" in text and "never event titles" in text
    assert "private-0123456789abcdef" not in text
    assert person(sessions, BOB).busy_url == GOOGLE
    # Apple's and Outlook's webcal:// links are the same address over https.
    reply_text(slack.command("calendar busy webcal://p01-calendars.icloud.com/published/2/abc", user_id=BOB))
    assert person(sessions, BOB).busy_url == "https://p01-calendars.icloud.com/published/2/abc"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("<http://calendar.example/basic.ics>", "must start with https://"),
        ("my-calendar", "look like a web address"),
        ("<https://127.0.0.1/cal.ics>", "private network"),
        ("<https://10.0.0.5/cal.ics>", "private network"),
        ("<https://169.254.169.254/latest>", "private network"),
        ("<https://[::1]/cal.ics>", "private network"),
    ],
)
def test_an_address_that_cant_be_read_is_refused_and_nothing_changes(
    slack: SlackSender, sessions: SessionFactory, address: str, problem: str
) -> None:
    reply_text(slack.command(f"calendar busy <{GOOGLE}>", user_id=BOB))
    before = snapshot(sessions)
    text = reply_text(slack.command(f"calendar busy {address}", user_id=BOB))
    assert ":warning:" in text and problem in text
    assert snapshot(sessions) == before


def test_busy_off_forgets_the_address_and_its_busy_times(
    private_slack: SlackSender, sessions: SessionFactory, settings: Settings, server: FeedServer
) -> None:
    url = server.serve("/bob.ics", Served(BOBS_CALENDAR))
    reply_text(private_slack.command(f"calendar busy <{url}>", user_id=BOB))
    read_calendars(settings, START)
    assert intervals(sessions)
    text = reply_text(private_slack.command("calendar busy off", user_id=BOB))
    assert "no longer read your calendar" in text
    assert person(sessions, BOB).busy_url is None and intervals(sessions) == []


# ----------------------------------------------------------------------------------------------- the reading


def test_the_clock_reads_busy_times_and_never_a_title(
    private_slack: SlackSender, sessions: SessionFactory, settings: Settings, server: FeedServer
) -> None:
    url = server.serve(
        "/bob.ics", Served(BOBS_CALENDAR, etag='"v1"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT")
    )
    reply_text(private_slack.command(f"calendar busy <{url}>", user_id=BOB))
    read_calendars(settings, START)

    busy = intervals(sessions)
    mornings = [(s, e) for s, e, away in busy if not away]
    assert (datetime(2026, 12, 1, 8, tzinfo=UTC), datetime(2026, 12, 1, 11, tzinfo=UTC)) in mornings
    assert datetime(2026, 12, 3, 8, tzinfo=UTC) not in [s for s, _ in mornings]  # EXDATE
    # The all-day vacation (zone unknown yet: UTC days) and Outlook's out-of-office day, marked as away.
    assert [(s.date(), e.date()) for s, e, away in busy if away] == [
        (datetime(2026, 12, 7).date(), datetime(2026, 12, 9).date()),
        (datetime(2026, 12, 14).date(), datetime(2026, 12, 15).date()),
    ]
    bob = person(sessions, BOB)
    assert (bob.busy_etag, bob.busy_error, bob.busy_checked_at) == ('"v1"', None, START)
    # No title, in any column of any table.
    everything = json.dumps(snapshot(sessions))
    assert not [title for title in SECRET_TITLES if title in everything]

    # Not again within 15 minutes; then a conditional request, whose 304 keeps what was read.
    read_calendars(settings, START + timedelta(minutes=14))
    assert len(server.requests) == 1
    read_calendars(settings, START + timedelta(minutes=16))
    assert len(server.requests) == 2 and server.requests[-1][1]["If-None-Match"] == '"v1"'
    assert intervals(sessions) == busy
    assert person(sessions, BOB).busy_checked_at == START + timedelta(minutes=16)


def test_a_failing_calendar_is_told_to_its_owner_once(
    private_slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    server: FeedServer,
    emulator: SlackEmulator,
) -> None:
    url = server.serve("/bob.ics", Served(BOBS_CALENDAR))
    reply_text(private_slack.command(f"calendar busy <{url}>", user_id=BOB))
    read_calendars(settings, START)
    kept = intervals(sessions)

    server.serve("/bob.ics", Served(b"Internal error", status=500))
    for minutes in (16, 32, 48):
        read_calendars(settings, START + timedelta(minutes=minutes))
    told = failure_dms(emulator, BOB)
    assert len(told) == 1 and len(server.requests) == 4
    text = json.dumps(told[0])
    assert "answered HTTP 500" in text and "127.0.0.1" in text and "/bob.ics" not in text
    assert person(sessions, BOB).busy_error == "127.0.0.1 answered HTTP 500."
    assert intervals(sessions) == kept  # the last busy times read stand meanwhile

    # It works again: the error is cleared, and a new failure is told again.
    server.serve("/bob.ics", Served(BOBS_CALENDAR))
    read_calendars(settings, START + timedelta(minutes=64))
    assert person(sessions, BOB).busy_error is None
    server.serve("/bob.ics", Served(b"not a calendar at all"))
    read_calendars(settings, START + timedelta(minutes=80))
    assert len(failure_dms(emulator, BOB)) == 2
    assert "not an iCal calendar" in json.dumps(failure_dms(emulator, BOB)[-1])


def test_with_the_setting_off_a_loopback_calendar_is_refused_at_reading(
    private_slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    server: FeedServer,
    emulator: SlackEmulator,
) -> None:
    url = server.serve("/bob.ics", Served(BOBS_CALENDAR))
    reply_text(private_slack.command(f"calendar busy <{url}>", user_id=BOB))
    read_calendars(settings, START, private=False)
    assert server.requests == [] and intervals(sessions) == []
    assert "https://" in json.dumps(failure_dms(emulator, BOB))


# ------------------------------------------------------------------------------------------ reschedule slots

FIRST_END = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # Alice's 10:00 in New York, Bob's 16:00 in Berlin
# Bob's busy hour every weekday: 15:00-16:00 in Berlin, 9:00-10:00 in New York; the hours the two
# share are 15:00-17:00 in Berlin, so without his calendar the search would offer some of them.
BUSY_HOUR = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Busy//EN
BEGIN:VEVENT
UID:hour@test
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261130T150000
DTEND;TZID=Europe/Berlin:20261130T160000
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
SUMMARY:Focus
END:VEVENT
END:VCALENDAR
"""


def offered_slots(
    slack: SlackSender, emulator: SlackEmulator, settings: Settings, sessions: SessionFactory
) -> list[datetime]:
    """Bob says their first 1:1 didn't happen: the new times Alice is offered."""
    tick(sessions, settings, FIRST_END)
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    slack.action(
        BOB,
        [buttons(follow_up)["meeting_not_held"]],
        channel_id=emulator.dm_channel_for(BOB),
        message=follow_up,
    )
    nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
    values = [
        b["accessory"]["value"]
        for b in nudge["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "slot_choose"
    ]
    return [datetime.fromtimestamp(int(v.split(":")[1]), UTC) for v in values]


@pytest.mark.parametrize("busy", [True, False])
def test_reschedule_slots_avoid_bobs_busy_times(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    server: FeedServer,
    emulator: SlackEmulator,
    clock: FakeClock,
    busy: bool,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    if busy:
        url = server.serve("/bob.ics", Served(BUSY_HOUR))
        set_busy_url(sessions, START, Actor(TEAM_ID, BOB), url, allow_private=True)
        read_calendars(settings, START)
        assert intervals(sessions)
    clock.set(FIRST_END + timedelta(minutes=5))
    slots = offered_slots(slack, emulator, settings, sessions)
    assert 2 <= len(slots) <= 4
    in_busy_hour = [s for s in slots if s.hour == 14]  # 15:00 in Berlin (UTC+1 in December)
    # The control (no calendar) shows the search would offer that hour: the calendar is what removes it.
    assert bool(in_busy_hour) is not busy
    with sessions() as session:
        assert session.scalars(select(Meeting)).first() is not None
