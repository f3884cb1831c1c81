"""The pulse: an optional one-tap check-in on four feelings before a 1:1, seen by the pair as a trend.

Scores belong to the pair alone: never logged, never summed across pairs (see PRACTICES.md, "Pay attention
to the person"). Issue 14, part 1 fills in the rest of this module (sparklines, the trend in words).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Feeling(StrEnum):
    HAPPY = "happy"
    CHALLENGED = "challenged"
    STRESSED = "stressed"
    ENGAGED = "engaged"


SCALE = range(1, 6)  # 1 (not at all) to 5 (very)
WINDOW = 8  # meetings a trend spans


def rising_streak(values: Sequence[int | None]) -> int:
    """How many meetings in a row, ending with the last, a feeling went up (gaps end a streak)."""
    streak = 0
    for before, after in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if before is None or after is None or after <= before:
            break
        streak += 1
    return streak
