"""The ICS builder (bot/calendar/feed.py), without a database: its events, expanded the way a calendar app
would (recurring-ical-events), are exactly the bot's own meetings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.calendar import feed as ics
from bot.calendar.token import feed_path, new_token, token_hash, token_in_path
from bot.domain.cadence import Cadence, SeriesRule, occurrences_between
from bot.domain.meetings import MeetingStatus

STAMP = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
FROM, TO = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC)  # spans March's DST change


def rule(cadence: Cadence, first: date, at: time, zone: str, minutes: int = 30) -> SeriesRule:
    return SeriesRule(cadence, first.weekday(), at, minutes, zone, first)


def materialised(series_rule: SeriesRule, until: datetime) -> list[ics.FeedMeeting]:
    """Meeting rows as the tick writes them: every planned date up to `until`."""
    since = datetime.combine(series_rule.first_date, time(), tzinfo=UTC) - timedelta(days=1)
    return [
        ics.FeedMeeting(i, o.local_date, o.starts_at, o.ends_at, MeetingStatus.SCHEDULED, 0)
        for i, o in enumerate(occurrences_between(series_rule, since, until), start=1)
    ]


def one_series(
    series_rule: SeriesRule,
    meetings: list[ics.FeedMeeting],
    until: datetime,
    *,
    ended_at: datetime | None = None,
    revision: int = 0,
) -> ics.Feed:
    series = ics.FeedSeries(
        series_id=7,
        rule=series_rule,
        revision=revision,
        ended_at=ended_at,
        materialised_until=until,
        title="1:1 with your report",
        description="Your 1:1 in Slack.",
        meetings=tuple(meetings),
    )
    return ics.Feed(uid_domain="t1.1on1-bot", stamp=STAMP, today=date(2026, 12, 1), series=(series,))


def expanded(body: bytes, start: datetime = FROM, end: datetime = TO) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every instance a calendar app shows in [start, end)."""
    events = recurring_ical_events.of(Calendar.from_ical(body)).between(start, end)
    return sorted((e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in events)


def bots_meetings(
    series_rule: SeriesRule, meetings: list[ics.FeedMeeting], until: datetime
) -> list[tuple[datetime, datetime]]:
    """What the bot will hold in [FROM, TO): its rows that take place, then its rule past the rows."""
    rows = [
        (m.starts_at, m.ends_at) for m in meetings if m.status not in ics.GONE and FROM <= m.starts_at < TO
    ]
    later = [(o.starts_at, o.ends_at) for o in occurrences_between(series_rule, until, TO)]
    return sorted(rows + later)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin"])
def test_a_weekly_series_across_dst_with_a_move_and_a_skip_expands_to_the_bots_meetings(zone: str) -> None:
    series_rule = rule(Cadence.WEEKLY, date(2026, 12, 1), time(10, 0), zone)
    until = datetime(2027, 4, 1, tzinfo=UTC)  # rows past the March change; the rule after them
    meetings = materialised(series_rule, until)
    moved_at = datetime(2027, 3, 18, 13, 0, tzinfo=UTC)  # the week after the US change, to Thursday
    meetings[15] = replace(
        meetings[15], starts_at=moved_at, ends_at=moved_at + timedelta(minutes=30), revision=1
    )
    meetings[14] = replace(meetings[14], status=MeetingStatus.SKIPPED, revision=1)
    meetings[3] = replace(meetings[3], status=MeetingStatus.HELD)
    body = ics.build(one_series(series_rule, meetings, until))

    shown = expanded(body)
    assert shown == bots_meetings(series_rule, meetings, until)
    assert (moved_at, moved_at + timedelta(minutes=30)) in shown
    assert meetings[14].starts_at not in [start for start, _ in shown]
    # The wall time holds across the change: 10:00 local both in winter and in summer.
    local = ZoneInfo(zone)
    assert {start.astimezone(local).time() for start, _ in shown if start != moved_at} == {time(10, 0)}


@pytest.mark.parametrize(
    ("cadence", "first"),
    [
        (Cadence.BIWEEKLY, date(2026, 12, 8)),
        (Cadence.MONTHLY, date(2026, 12, 8)),  # the second Tuesday
        (Cadence.MONTHLY, date(2026, 12, 29)),  # the fifth Tuesday: "the last" every month
        (Cadence.MONTHLY, date(2026, 12, 22)),  # the fourth Tuesday (not the last, in some months)
    ],
)
def test_every_cadence_expands_exactly_as_the_bot_plans(cadence: Cadence, first: date) -> None:
    series_rule = rule(cadence, first, time(16, 30), "Europe/Berlin", minutes=45)
    until = datetime(2027, 1, 12, tzinfo=UTC)  # six weeks of rows, then the rule alone
    meetings = materialised(series_rule, until)
    body = ics.build(one_series(series_rule, meetings, until))
    assert expanded(body) == bots_meetings(series_rule, meetings, until)
    assert expanded(body) == [(o.starts_at, o.ends_at) for o in occurrences_between(series_rule, FROM, TO)]


def test_an_ended_series_keeps_its_past_and_loses_its_future() -> None:
    series_rule = rule(Cadence.WEEKLY, date(2026, 12, 1), time(10, 0), "America/New_York")
    until = datetime(2027, 1, 12, tzinfo=UTC)
    ended = datetime(2026, 12, 20, tzinfo=UTC)
    meetings = [
        replace(m, status=MeetingStatus.CANCELLED) if m.starts_at > ended else m
        for m in materialised(series_rule, until)
    ]
    shown = expanded(ics.build(one_series(series_rule, meetings, until, ended_at=ended)))
    assert shown == [(m.starts_at, m.ends_at) for m in meetings if m.starts_at < ended]
    assert len(shown) == 3


def test_meetings_from_before_an_edit_stay_as_events_of_their_own() -> None:
    """An edit moved the series from Tuesdays 10:00 to Thursdays 15:00 from 2026-12-17 on: the held
    Tuesdays before it aren't on the new rule's dates, and still show where they were."""
    before = rule(Cadence.WEEKLY, date(2026, 12, 1), time(10, 0), "America/New_York")
    after = rule(Cadence.WEEKLY, date(2026, 12, 17), time(15, 0), "America/New_York")
    until = datetime(2027, 1, 20, tzinfo=UTC)
    old = [
        replace(m, status=MeetingStatus.HELD)
        for m in materialised(before, datetime(2026, 12, 10, tzinfo=UTC))
    ]
    dropped = [
        replace(m, meeting_id=m.meeting_id + 50, status=MeetingStatus.CANCELLED)
        for m in materialised(before, until)
        if m.starts_at > datetime(2026, 12, 10, tzinfo=UTC)
    ]
    new = [replace(m, meeting_id=m.meeting_id + 100) for m in materialised(after, until)]
    body = ics.build(one_series(after, old + dropped + new, until, revision=1))
    expected = [(m.starts_at, m.ends_at) for m in old] + bots_meetings(after, new, until)
    assert expanded(body) == sorted(expected)
    calendar = Calendar.from_ical(body)
    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == {
        "series-7@t1.1on1-bot",
        "meeting-1@t1.1on1-bot",
        "meeting-2@t1.1on1-bot",
    }


def test_sequence_is_the_highest_revision_and_overrides_carry_it() -> None:
    series_rule = rule(Cadence.WEEKLY, date(2026, 12, 1), time(10, 0), "America/New_York")
    until = datetime(2027, 1, 12, tzinfo=UTC)
    meetings = materialised(series_rule, until)
    plain = Calendar.from_ical(ics.build(one_series(series_rule, meetings, until, revision=2)))
    assert [int(e["SEQUENCE"]) for e in plain.walk("VEVENT")] == [2]
    moved = meetings[2].starts_at + timedelta(hours=2)
    meetings[2] = replace(meetings[2], starts_at=moved, ends_at=moved + timedelta(minutes=30), revision=3)
    calendar = Calendar.from_ical(ics.build(one_series(series_rule, meetings, until, revision=2)))
    events = calendar.walk("VEVENT")
    assert [int(e["SEQUENCE"]) for e in events] == [3, 3]
    override = events[1]
    assert override["RECURRENCE-ID"].dt == datetime(
        2026, 12, 15, 10, 0, tzinfo=ZoneInfo(series_rule.timezone)
    )
    assert override.start.astimezone(UTC) == moved


def test_the_feed_declares_its_zone_and_is_the_same_bytes_every_time() -> None:
    series_rule = rule(Cadence.WEEKLY, date(2026, 12, 1), time(10, 0), "America/New_York")
    until = datetime(2027, 1, 12, tzinfo=UTC)
    feed = one_series(series_rule, materialised(series_rule, until), until)
    body = ics.build(feed)
    assert body == ics.build(feed)
    calendar = Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert b"DTSTART;TZID=America/New_York:20261201T100000" in body
    assert b"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TU" in body


def test_a_person_without_series_gets_an_empty_calendar() -> None:
    body = ics.build(ics.Feed(uid_domain="t1.1on1-bot", stamp=STAMP, today=date(2026, 12, 1), series=()))
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VEVENT") == [] and str(calendar["VERSION"]) == "2.0"


def test_tokens_are_long_random_and_only_their_own_shape_is_a_path() -> None:
    one, two = new_token(), new_token()
    assert one != two and len(one) == 43
    assert token_in_path(feed_path(one)) == one
    assert len(token_hash(one)) == 64 and token_hash(one) != one
    for path in (
        "/calendar/short.ics",
        f"/calendar/{one}.ics/x",
        f"/calendar/{one}",
        f"/calendar/{one}!.ics",
    ):
        assert token_in_path(path) is None
