"""Dates as people read them: Slack's <!date> token, with a fallback in the reader's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def slack_date(instant: datetime, timezone: str | None) -> str:
    """Slack renders the token in each reader's own zone; the fallback uses the zone we know of."""
    local = instant.astimezone(ZoneInfo(timezone or "UTC"))
    fallback = local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback.strip()}>"
