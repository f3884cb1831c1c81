"""What an edit of a series changes: its terms before and after, compared field by field (pure).

Two schedules are the same when their next meetings start at the same instants, whatever their rule's
words say (the same hour kept in another zone is no change). The slot is compared as a reader sees it,
in their own zone, so "Tuesdays at 16:00 → Thursdays at 17:00" is what that reader will live with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from bot.domain.cadence import Cadence, SeriesRule, next_occurrence, to_local

COMPARED_MEETINGS = 3  # enough to tell weekly from biweekly, and one alternate week from the other


@dataclass(frozen=True)
class Terms:
    """What an edit can change: the rule, the length, how long before each meeting topics are asked
    for, and who leads (a person id)."""

    cadence: Cadence
    weekday: int
    local_time: time
    timezone: str
    first_date: date
    duration_minutes: int
    lead_minutes: int
    leader_id: int | None

    @property
    def rule(self) -> SeriesRule:
        return SeriesRule(
            cadence=self.cadence,
            weekday=self.weekday,
            local_time=self.local_time,
            duration_minutes=self.duration_minutes,
            timezone=self.timezone,
            first_date=self.first_date,
        )

    def to_params(self) -> dict[str, Any]:
        """As JSON for an outbox row's params (settings only: nobody's words)."""
        return {
            "cadence": self.cadence.value,
            "weekday": self.weekday,
            "local_time": self.local_time.strftime("%H:%M"),
            "timezone": self.timezone,
            "first_date": self.first_date.isoformat(),
            "duration_minutes": self.duration_minutes,
            "lead_minutes": self.lead_minutes,
            "leader_id": self.leader_id,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Terms:
        return cls(
            cadence=Cadence(params["cadence"]),
            weekday=int(params["weekday"]),
            local_time=time.fromisoformat(params["local_time"]),
            timezone=str(params["timezone"]),
            first_date=date.fromisoformat(params["first_date"]),
            duration_minutes=int(params["duration_minutes"]),
            lead_minutes=int(params["lead_minutes"]),
            leader_id=params.get("leader_id"),
        )


@dataclass(frozen=True)
class Slot:
    """A weekday and a wall time, in the zone of whoever reads it."""

    weekday: int  # 0 = Monday
    local_time: time


class Field(StrEnum):
    CADENCE = "cadence"
    WHEN = "when"  # the weekday and time (Slot → Slot)
    NEXT = "next"  # only the next meeting moved (another week of a biweekly series): datetime → datetime
    LENGTH = "length"  # minutes
    LEAD = "lead"  # minutes before each meeting that topics are asked for
    LEADER = "leader"  # person id


@dataclass(frozen=True)
class Change:
    field: Field
    old: Any
    new: Any


def seen_from(rule: SeriesRule, timezone: str, after: datetime) -> tuple[Slot, date] | None:
    """The rule's slot and its next meeting's date as someone in `timezone` sees them (None: no next)."""
    upcoming = next_occurrence(rule, after)
    if upcoming is None:
        return None
    local = to_local(upcoming.starts_at, timezone)
    return Slot(local.weekday(), local.time().replace(tzinfo=None)), local.date()


def changes(before: Terms, after: Terms, since: datetime, timezone: str) -> tuple[Change, ...]:
    """What differs from `since` on, the slot as seen in `timezone`; empty when nothing does."""
    found: list[Change] = []
    old_starts, new_starts = _starts(before.rule, since), _starts(after.rule, since)
    if old_starts != new_starts:
        if before.cadence != after.cadence:
            found.append(Change(Field.CADENCE, before.cadence, after.cadence))
        old_seen, new_seen = seen_from(before.rule, timezone, since), seen_from(after.rule, timezone, since)
        old_slot, new_slot = (old_seen[0] if old_seen else None), (new_seen[0] if new_seen else None)
        if old_slot != new_slot:
            found.append(Change(Field.WHEN, old_slot, new_slot))
        if not found:  # same words, another week: say which meeting is next now
            found.append(Change(Field.NEXT, _first(old_starts), _first(new_starts)))
    if before.duration_minutes != after.duration_minutes:
        found.append(Change(Field.LENGTH, before.duration_minutes, after.duration_minutes))
    if before.lead_minutes != after.lead_minutes:
        found.append(Change(Field.LEAD, before.lead_minutes, after.lead_minutes))
    if before.leader_id != after.leader_id:
        found.append(Change(Field.LEADER, before.leader_id, after.leader_id))
    return tuple(found)


def _starts(rule: SeriesRule, since: datetime) -> list[datetime]:
    starts: list[datetime] = []
    after = since
    while len(starts) < COMPARED_MEETINGS and (upcoming := next_occurrence(rule, after)) is not None:
        starts.append(upcoming.starts_at)
        after = upcoming.starts_at
    return starts


def _first(starts: list[datetime]) -> datetime | None:
    return starts[0] if starts else None
