"""Time away: which days someone is away, and the rules for setting it.

A person is away on a day of their own calendar when a stretch they set (`/1on1 away`, Settings) covers
it, their Slack status says they are off (until it expires), it is a public holiday where they are, or
their own calendar has an all-day out-of-office event on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays

from bot.domain.cadence import Cadence, to_local
from bot.domain.errors import DomainError

# Limits of one stretch of time away: a typo ("2027" for "2026") is refused rather than stored.
MAX_AHEAD = timedelta(days=365)  # its first day at most a year ahead
MAX_LENGTH = timedelta(days=90)  # at most 90 days long (longer: end the 1:1 instead)
# How far around a day a stretch of time away is looked for (its span): longer than any stretch.
SPAN_LIMIT = timedelta(days=400)

# A Slack status with an expiry counts as away when its emoji or its words say so.
AWAY_EMOJI = frozenset(
    {":palm_tree:", ":airplane:", ":face_with_thermometer:", ":desert_island:", ":beach_with_umbrella:"}
)
_AWAY_WORDS = re.compile(
    r"\b(ooo|out of (the )?office|vacation|vacationing|holidays?|on leave|sick|pto)\b", re.IGNORECASE
)


def status_says_away(text: str | None, emoji: str | None) -> bool:
    """Whether a Slack status (its text and emoji) says the person is off."""
    return (emoji or "").strip().lower() in AWAY_EMOJI or bool(_AWAY_WORDS.search(text or ""))


def status_away_until(text: str | None, emoji: str | None, expiration: int | None) -> datetime | None:
    """Until when a status makes someone away: its expiry (Unix time), only when it says they are off.

    A status without an expiry (0) is not counted: nobody knows when it ends, and it is often left on.
    """
    if not expiration or not status_says_away(text, emoji):
        return None
    return datetime.fromtimestamp(int(expiration), tz=UTC)


def profile_away_until(profile: Mapping[str, Any] | None) -> datetime | None:
    """Until when a Slack profile's status (users.info, `user_change`) says the person is away."""
    profile = profile or {}
    try:
        expiration = int(profile.get("status_expiration") or 0)
    except (TypeError, ValueError):
        expiration = 0
    return status_away_until(profile.get("status_text"), profile.get("status_emoji"), expiration)


def checked_range(first: date, last: date | None, today: date) -> tuple[date, date]:
    """A stretch of time away as asked, or a DomainError saying which limit it breaks."""
    last = first if last is None else last
    if last < first:
        raise DomainError(f"The end, {last:%a %-d %b %Y}, is before the start, {first:%a %-d %b %Y}.")
    if first < today:
        raise DomainError(f"{first:%a %-d %b %Y} has already passed; time away starts today or later.")
    if first - today > MAX_AHEAD:
        raise DomainError("That's more than a year ahead; set time away within the next year.")
    if last - first >= MAX_LENGTH:
        raise DomainError("That's longer than 90 days; for a longer break, end the 1:1 and set it up again.")
    return first, last


def merged(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Stretches of days, overlapping or touching ones joined, in order."""
    out: list[tuple[date, date]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


@lru_cache(maxsize=512)
def public_holidays(country: str, region: str | None, year: int) -> frozenset[date]:
    """The public holidays of a country (and region) in one year; cached: computed once per process."""
    try:
        found = holidays.country_holidays(country, subdiv=region, years=year)
    except NotImplementedError:  # a country or region the package no longer knows: no holidays
        return frozenset()
    return frozenset(found.keys())


def parse_holiday_place(value: str | None) -> tuple[str | None, str | None]:
    """ "DE" or "DE-BY" (or blank) as (country, region), checked against the `holidays` package."""
    text = (value or "").strip().upper()
    if not text:
        return None, None
    country, _, region = text.partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported or len(country) != 2:
        raise DomainError(f"“{text}” isn't a country I know holidays for; use a code such as DE, FR or US.")
    regions = {r.upper(): r for r in supported[country]}
    if region and region not in regions:
        known = ", ".join(sorted(r for r in regions if len(r) <= 4)[:20])
        raise DomainError(f"{country} has no region “{region}”. Its regions: {known}.")
    return country, regions[region] if region else None


def place_text(country: str | None, region: str | None) -> str:
    """The stored country and region as typed in Settings ("DE-BY")."""
    return "" if country is None else (f"{country}-{region.upper()}" if region else country)


@dataclass(frozen=True)
class AwayCalendar:
    """Everything that makes one person away, on their own calendar's days."""

    timezone: str = "UTC"  # theirs: their days are their own calendar's
    ranges: tuple[tuple[date, date], ...] = ()  # set by them, and out-of-office days of their calendar
    status_last_day: date | None = None  # their Slack status says away through this day
    status_first_day: date | None = None  # …from this day (the day it was seen)
    holiday_country: str | None = None
    holiday_region: str | None = None

    def is_away(self, day: date) -> bool:
        if any(first <= day <= last for first, last in self.ranges):
            return True
        if self.status_last_day is not None and (self.status_first_day or day) <= day <= self.status_last_day:
            return True
        return self.holiday_country is not None and day in public_holidays(
            self.holiday_country, self.holiday_region, day.year
        )

    @property
    def ever_away(self) -> bool:
        """False for most people: nothing set, no status, no holiday place (nothing more to compute)."""
        return bool(self.ranges or self.status_last_day or self.holiday_country)

    def away_at(self, instant: datetime) -> bool:
        """Whether the day of this instant, on their own clock, is one they are away."""
        return self.ever_away and self.is_away(to_local(instant, self.timezone).date())

    def days(self, first: date, last: date) -> set[date]:
        if not self.ever_away:
            return set()
        every = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return {day for day in every if self.is_away(day)}

    def span(self, day: date) -> tuple[date, date]:
        """The whole stretch of away days around `day` (which is one)."""
        first = last = day
        while self.is_away(first - timedelta(days=1)) and day - first < SPAN_LIMIT:
            first -= timedelta(days=1)
        while self.is_away(last + timedelta(days=1)) and last - day < SPAN_LIMIT:
            last += timedelta(days=1)
        return first, last


def status_days(until: datetime | None, seen: datetime, timezone: str) -> tuple[date | None, date | None]:
    """A Slack status's away days on the person's calendar: from the day it was seen to the day it ends
    (a status ending at midnight does not make the next day away)."""
    if until is None or until <= seen:
        return None, None
    return to_local(seen, timezone).date(), to_local(until - timedelta(microseconds=1), timezone).date()


CYCLE = {
    Cadence.WEEKLY: timedelta(weeks=1),
    Cadence.BIWEEKLY: timedelta(weeks=2),
    Cadence.MONTHLY: timedelta(days=31),
}


def pauses_series(span: tuple[date, date], cadence: Cadence) -> bool:
    """Away longer than two cycles of the 1:1: its meetings in that span are paused, with one notice."""
    first, last = span
    return (last - first) + timedelta(days=1) > 2 * CYCLE[Cadence(cadence)]
