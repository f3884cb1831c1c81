"""A meeting's life cycle (DESIGN.md, "The meeting's life")."""

from __future__ import annotations

from enum import StrEnum


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    SKIPPED = "skipped"
    MISSED = "missed"
    CANCELLED = "cancelled"
