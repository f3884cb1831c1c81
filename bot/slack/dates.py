"""Dates as people read them: Slack's <!date> token, with a fallback in the reader's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.slack.blocks.common import WEEKDAY_NAMES


def slack_date(instant: datetime, timezone: str | None) -> str:
    """Slack renders the token in each reader's own zone; the fallback uses the zone we know of.

    It reads "today at 4:00 PM", "tomorrow at …" or "Dec 3 at …", so the sentence around it takes no
    "on" ("your 1:1 is tomorrow at 4:00 PM", not "is on tomorrow")."""
    local = instant.astimezone(ZoneInfo(timezone or "UTC"))
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{local_text(local)}>"


def local_text(local: datetime) -> str:
    return f"{local:%a %d %b %Y %H:%M} {local.tzname() or ''}".strip()


def slack_day(day: date) -> str:
    return f"{day:%a %d %b}"


def weekly_slot(weekday: int, at: time, timezone: str) -> str:
    """How a series' own slot reads: "Tuesdays at 10:00 (Europe/Berlin)"."""
    return f"{WEEKDAY_NAMES[weekday]}s at {at:%H:%M} ({timezone})"
