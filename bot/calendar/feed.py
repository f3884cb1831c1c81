"""A person's 1:1s as an iCalendar feed (RFC 5545), from plain data: no database, no Slack.

One VEVENT per series: DTSTART in the series' own zone (TZID, with its VTIMEZONE), the series' rule as an
RRULE that expands to exactly the dates bot/domain/cadence.py plans, and DURATION. The bot's meeting rows
then say how the calendar differs from the rule:

- a planned date whose meeting was skipped, cancelled or set away, or that has no meeting at all (a day an
  edit dropped), is an EXDATE;
- a meeting that moved (or kept an older length) is an override: the same UID, RECURRENCE-ID = the
  date's planned start, its own DTSTART/DTEND;
- a meeting on a date the current rule doesn't plan (from the series' terms before an edit) is an event
  of its own, unless it didn't take place.

An ended series' RRULE stops (UNTIL) when it ended, so its past stays and its future disappears.
SEQUENCE is the highest revision of the series and of its meetings: EXDATEs and overrides belong to the
series' event, so any change to them is a change of that event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from bot.domain.cadence import Cadence, Occurrence, SeriesRule, occurrences_between
from bot.domain.meetings import MeetingStatus

PRODID = "-//1on1 bot//Calendar feed//EN"
# Not taking place: absent from the calendar (an EXDATE, or no event of its own).
GONE = frozenset({MeetingStatus.SKIPPED, MeetingStatus.CANCELLED, MeetingStatus.AWAY})
# How often a subscribing calendar should come back (RFC 7986; Outlook reads the X-PUBLISHED-TTL form).
REFRESH = timedelta(hours=1)
# VTIMEZONEs list each year's transitions: from the earliest event's year to this many years ahead.
ZONE_YEARS_AHEAD = 15


@dataclass(frozen=True)
class FeedMeeting:
    meeting_id: int
    local_date: date  # the occurrence's identity, unchanged by a move
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    status: MeetingStatus
    revision: int


@dataclass(frozen=True)
class FeedSeries:
    series_id: int
    rule: SeriesRule
    revision: int
    ended_at: datetime | None  # None: still running
    materialised_until: datetime  # meeting rows exist for every planned date before this
    title: str  # names the people; never a topic, note or summary
    description: str
    meetings: tuple[FeedMeeting, ...]

    @property
    def sequence(self) -> int:
        return max([self.revision, *(m.revision for m in self.meetings)])


@dataclass(frozen=True)
class Feed:
    uid_domain: str  # UIDs are "<kind>-<id>@<uid_domain>": stable for as long as the rows live
    stamp: datetime  # DTSTAMP: when the feed's data last changed (stable, so the ETag is)
    today: date  # how far ahead time zone rules are written
    series: tuple[FeedSeries, ...]


def build(feed: Feed) -> bytes:
    """The feed as text/calendar bytes: the same data always gives the same bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "1:1s")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    events = [event for series in feed.series for event in _series_events(series, feed)]
    for zone in sorted({series.rule.timezone for series in feed.series}):
        first = min(s.rule.first_date for s in feed.series if s.rule.timezone == zone)
        calendar.add_component(_vtimezone(zone, first.year - 1, feed.today.year + ZONE_YEARS_AHEAD))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


@lru_cache(maxsize=256)
def _vtimezone(zone: str, first_year: int, last_year: int) -> Timezone:
    # Computing a zone's transitions takes a while; a feed is read often and zones are few.
    return Timezone.from_tzinfo(
        ZoneInfo(zone), tzid=zone, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )


def _series_events(series: FeedSeries, feed: Feed) -> list[Event]:
    rule, zone = series.rule, ZoneInfo(series.rule.timezone)
    bound = series.materialised_until if series.ended_at is None else series.ended_at
    planned = {o.local_date: o for o in _planned(rule, min(bound, series.materialised_until))}
    by_day = {m.local_date: m for m in series.meetings}
    uid = f"series-{series.series_id}@{feed.uid_domain}"
    events: list[Event] = []
    exdates: list[datetime] = []
    for day, occurrence in planned.items():
        meeting = by_day.get(day)
        if meeting is None or meeting.status in GONE:
            exdates.append(_wall(rule, day))
        elif (meeting.starts_at, meeting.ends_at) != (occurrence.starts_at, occurrence.ends_at):
            override = _event(uid, series, feed, series.sequence)
            override.add("dtstart", meeting.starts_at.astimezone(zone))
            override.add("dtend", meeting.ends_at.astimezone(zone))
            override.add("recurrence-id", _wall(rule, day))
            events.append(override)
    if series.ended_at is None or planned:
        master = _event(uid, series, feed, series.sequence)
        master.add("dtstart", _wall(rule, rule.first_date))
        master.add("duration", timedelta(minutes=rule.duration_minutes))
        master.add("rrule", _rrule(rule, None if series.ended_at is None else bound - timedelta(seconds=1)))
        if exdates:
            master.add("exdate", exdates)
        events.insert(0, master)
    for meeting in series.meetings:
        if meeting.local_date not in planned and meeting.status not in GONE:
            own_uid = f"meeting-{meeting.meeting_id}@{feed.uid_domain}"
            single = _event(own_uid, series, feed, max(series.revision, meeting.revision))
            single.add("dtstart", meeting.starts_at.astimezone(zone))
            single.add("dtend", meeting.ends_at.astimezone(zone))
            events.append(single)
    return events


def _planned(rule: SeriesRule, until: datetime) -> list[Occurrence]:
    """The rule's occurrences from its first date up to `until`: the dates meeting rows cover."""
    since = datetime.combine(rule.first_date - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    return occurrences_between(rule, since, until)


def _wall(rule: SeriesRule, day: date) -> datetime:
    """A planned date's start as the RRULE generates it: the rule's wall time on that date, in its zone."""
    return datetime.combine(day, rule.local_time, tzinfo=ZoneInfo(rule.timezone))


def _rrule(rule: SeriesRule, until: datetime | None) -> dict[str, object]:
    """The series' rule in RFC 5545 words; cadence.py's rule: weekly or every other week on DTSTART's
    weekday, or monthly on the n-th (or last, for a fifth) weekday of the month."""
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[rule.weekday]
    parts: dict[str, object]
    if rule.cadence is Cadence.MONTHLY:
        parts = {"freq": "monthly", "byday": f"{rule.monthly_position}{weekday}"}
    else:
        parts = {"freq": "weekly", "interval": 2 if rule.cadence is Cadence.BIWEEKLY else 1, "byday": weekday}
    if until is not None:
        parts["until"] = until.astimezone(UTC)
    return parts


def _event(uid: str, series: FeedSeries, feed: Feed, sequence: int) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", feed.stamp.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", series.title)
    event.add("description", series.description)
    event.add("transp", "OPAQUE")
    return event
