"""Reading a person's own calendar: the address guard, the HTTP rules, and what counts as busy."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.calendar import busy_fetch, busy_ics
from bot.calendar.busy_fetch import FetchError, fetch, is_public, url_problem
from bot.clock import BUSY_READ_SECONDS, schedule_busy_reads, schedule_ticks
from tests.calendar.feed_server import FeedServer, Served, feed_server

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; 10:00 in Berlin
BERLIN = ZoneInfo("Europe/Berlin")
SECRET_TITLES = ("Deep work", "Lisbon", "Dentist", "Birthday", "Focus", "Lunch", "Board")

BOBS_CALENDAR = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Busy//EN
BEGIN:VEVENT
UID:mornings@test
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261130T090000
DTEND;TZID=Europe/Berlin:20261130T120000
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
EXDATE;TZID=Europe/Berlin:20261203T090000
SUMMARY:Deep work on the merger
END:VEVENT
BEGIN:VEVENT
UID:vacation@test
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261209
SUMMARY:Vacation in Lisbon
END:VEVENT
BEGIN:VEVENT
UID:oof@test
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261214
DTEND;VALUE=DATE:20261215
SUMMARY:Dentist
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT
BEGIN:VEVENT
UID:birthday@test
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261202
SUMMARY:Birthday of Carol
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20261101T000000Z
DTSTART:20261202T140000Z
DTEND:20261202T150000Z
TRANSP:TRANSPARENT
SUMMARY:Focus (free)
END:VEVENT
BEGIN:VEVENT
UID:outlook-free@test
DTSTAMP:20261101T000000Z
DTSTART:20261202T160000Z
DTEND:20261202T170000Z
X-MICROSOFT-CDO-BUSYSTATUS:FREE
SUMMARY:Lunch maybe
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20261101T000000Z
DTSTART:20261204T140000Z
DTEND:20261204T150000Z
STATUS:CANCELLED
SUMMARY:Board meeting
END:VEVENT
BEGIN:VEVENT
UID:floating@test
DTSTAMP:20261101T000000Z
DTSTART:20261210T150000
DTEND:20261210T160000
SUMMARY:Lunch with the board
END:VEVENT
BEGIN:VTODO
UID:todo@test
SUMMARY:no time at all
END:VTODO
END:VCALENDAR
"""


def berlin(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as served:
        yield served


# ---------------------------------------------------------------------------------------- what counts as busy


def test_a_calendar_becomes_busy_times_only() -> None:
    busy = busy_ics.busy_times(BOBS_CALENDAR, NOW, NOW + timedelta(days=21), BERLIN)
    mornings = [b for b in busy if not b.out_of_office]
    away = [b for b in busy if b.out_of_office]
    # Weekday mornings in Berlin, 3 December excepted (EXDATE), plus the floating 15:00 in Bob's own zone.
    assert (berlin(1, 9), berlin(1, 12)) in [(b.starts_at, b.ends_at) for b in mornings]
    assert berlin(3, 9) not in [b.starts_at for b in mornings]
    assert (berlin(10, 15), berlin(10, 16)) in [(b.starts_at, b.ends_at) for b in mornings]
    # Three weeks: 15 weekdays and 22 December's morning (it starts before the window ends), less 3 December.
    assert len([b for b in mornings if b.ends_at - b.starts_at == timedelta(hours=3)]) == 15
    # The two days of vacation (by its title) and Outlook's out-of-office day; not the birthday.
    assert [(b.starts_at, b.ends_at) for b in away] == [
        (berlin(7, 0), berlin(9, 0)),
        (berlin(14, 0), berlin(15, 0)),
    ]
    # Free, transparent and cancelled events are not busy.
    starts = {b.starts_at for b in busy}
    assert not starts & {datetime(2026, 12, 2, 14, tzinfo=UTC), datetime(2026, 12, 2, 16, tzinfo=UTC)}
    assert datetime(2026, 12, 4, 14, tzinfo=UTC) not in starts


def test_a_timed_out_of_office_event_is_busy_and_away() -> None:
    ics = BOBS_CALENDAR.replace(b"SUMMARY:Lunch with the board", b"X-MICROSOFT-CDO-BUSYSTATUS:OOF")
    busy = busy_ics.busy_times(ics, NOW, NOW + timedelta(days=21), BERLIN)
    assert busy_ics.Busy(berlin(10, 15), berlin(10, 16), True) in busy


@pytest.mark.parametrize(
    "body", [b"<html>Sign in</html>", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:nonsense"]
)
def test_what_is_not_a_calendar_is_unreadable(body: bytes) -> None:
    with pytest.raises(busy_ics.Unreadable):
        busy_ics.busy_times(body, NOW, NOW + timedelta(days=21), BERLIN)


# ----------------------------------------------------------------------------------------------------- HTTP


def test_a_feed_is_read_and_then_asked_for_only_if_changed(server: FeedServer) -> None:
    url = server.serve(
        "/cal.ics", Served(BOBS_CALENDAR, etag='"v1"', last_modified="Tue, 01 Dec 2026 08:00:00 GMT")
    )
    first = fetch(url, allow_private=True)
    assert first.body == BOBS_CALENDAR and first.etag == '"v1"'
    again = fetch(url, etag=first.etag, last_modified=first.last_modified, allow_private=True)
    assert again.body is None  # 304: what was read stands
    headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 01 Dec 2026 08:00:00 GMT"


def test_redirects_are_followed_three_times_and_no_more(server: FeedServer) -> None:
    server.serve("/cal.ics", Served(BOBS_CALENDAR))
    for hop in (1, 2, 3, 4):
        server.serve(f"/r{hop}", Served(status=302, location="/cal.ics" if hop == 1 else f"/r{hop - 1}"))
    assert fetch(server.url + "/r3", allow_private=True).body == BOBS_CALENDAR
    with pytest.raises(FetchError, match="redirected more than 3 times"):
        fetch(server.url + "/r4", allow_private=True)


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_body_over_the_cap_is_refused(server: FeedServer, declare_length: bool) -> None:
    huge = b"BEGIN:VCALENDAR\n" + b"X" * (busy_fetch.MAX_BYTES + 1)
    url = server.serve("/huge.ics", Served(huge, declare_length=declare_length))
    with pytest.raises(FetchError, match="larger than 2 MB"):
        fetch(url, allow_private=True)


def test_an_http_error_and_an_unknown_name_say_what_happened(server: FeedServer) -> None:
    with pytest.raises(FetchError, match="answered HTTP 404"):
        fetch(server.url + "/gone.ics", allow_private=True)
    with pytest.raises(FetchError, match="could not be found"):
        fetch("https://calendar.invalid/x.ics", resolve=busy_fetch.resolve_host)


# ----------------------------------------------------------------------------------------- the address guard


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("ff02::1", False),
    ],
)
def test_only_public_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://calendar.example/basic.ics", "must start with https://"),
        ("calendar.example/basic.ics", "doesn't look like a web address"),
        ("ftp://calendar.example/x", "doesn't look like a web address"),
        ("https://", "doesn't look like a web address"),
        ("https://user:pw@calendar.example/x", "user name or password"),
        ("https://127.0.0.1/x.ics", "private network"),
        ("https://10.0.0.5/x.ics", "private network"),
        ("https://169.254.169.254/latest", "private network"),
        ("https://[::1]/x.ics", "private network"),
        ("https://localhost/x.ics", "private network"),
        ("https://calendar.example/" + "x" * 2000, "too long"),
    ],
)
def test_addresses_that_cant_be_read_are_refused_before_any_request(url: str, problem: str) -> None:
    assert problem in (url_problem(url) or "")
    with pytest.raises(FetchError, match=problem.replace("(", r"\(")):
        fetch(url, transport=httpx.MockTransport(lambda request: pytest.fail("no request may be sent")))


def test_a_loopback_server_is_refused_when_the_setting_is_off(server: FeedServer) -> None:
    url = server.serve("/cal.ics", Served(BOBS_CALENDAR))
    with pytest.raises(FetchError, match="https://"):
        fetch(url)  # plain http, and loopback
    assert server.requests == []


@pytest.mark.parametrize("private", ["10.0.0.7", "127.0.0.1", "169.254.169.254", "::1"])
def test_a_name_resolving_to_a_private_address_is_refused_at_connect(private: str) -> None:
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["93.184.216.34", private]  # one private address among public ones is enough to refuse

    with pytest.raises(busy_fetch.AddressRefused, match="private or reserved"):
        fetch("https://calendar.example/basic.ics", resolve=resolve)
    assert asked == ["calendar.example"]


def test_a_redirect_to_a_private_address_is_refused_without_following_it() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://10.0.0.7/steal"})

    with pytest.raises(FetchError, match="redirected to an address I can't use"):
        fetch("https://calendar.example/basic.ics", transport=httpx.MockTransport(answer))
    assert sent == ["https://calendar.example/basic.ics"]


def test_a_redirect_from_https_down_to_http_is_refused() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "http://calendar.example/basic.ics"})

    with pytest.raises(FetchError, match="must start with https://"):
        fetch("https://calendar.example/basic.ics", transport=httpx.MockTransport(answer))


def test_the_setting_allows_plain_http_and_loopback_for_tests(server: FeedServer) -> None:
    assert url_problem(server.url + "/cal.ics", allow_private=True) is None


def test_errors_never_carry_the_secret_part_of_the_address(server: FeedServer) -> None:
    url = server.url + "/calendar/ical/bob%40example.com/private-SECRET123/basic.ics"
    with pytest.raises(FetchError) as raised:
        fetch(url, allow_private=True)
    assert "SECRET123" not in str(raised.value) and "127.0.0.1" in str(raised.value)


# ------------------------------------------------------------------------------------------- the clock's job


def test_the_clock_reads_calendars_in_a_job_of_its_own_that_never_stops_the_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_ticks(scheduler, lambda: None, lambda: NOW)

    def broken() -> None:
        raise RuntimeError("calendar job broke")

    schedule_busy_reads(scheduler, broken, lambda: NOW)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"tick", "busy-calendars"}  # a slow calendar server can't hold up a tick
    job = jobs["busy-calendars"]
    assert job.coalesce is True and job.max_instances == 1 and job.next_run_time == NOW
    assert job.trigger.interval.total_seconds() == BUSY_READ_SECONDS
    job.func()  # must not raise
    assert "reading busy calendars failed" in caplog.text
