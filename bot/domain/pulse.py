"""The pulse: an optional one-tap check-in on four feelings before a 1:1, seen by the pair as a trend.

Scores belong to the pair alone: never logged, never summed across pairs (see PRACTICES.md, "Pay attention
to the person"). Here: who is offered the check-in, when a tap still counts, and the trend as a sparkline
per feeling with its notable runs said in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus


class Feeling(StrEnum):
    HAPPY = "happy"
    CHALLENGED = "challenged"
    STRESSED = "stressed"
    ENGAGED = "engaged"


SCALE = range(1, 6)  # 1 (not at all) to 5 (very)
WINDOW = 8  # meetings a trend spans

# Bar heights in eighths, spread evenly over the scale: 1 is the lowest bar, 5 the full block.
BARS = {1: "▁", 2: "▃", 3: "▄", 4: "▆", 5: "█"}
GAP = "·"  # a meeting this person gave no answer for this feeling
NOTABLE_STREAK = 2  # meetings in a row a feeling moved the worrying way before it is said in words

NOUNS = {
    Feeling.HAPPY: "happiness",
    Feeling.CHALLENGED: "challenge",
    Feeling.STRESSED: "stress",
    Feeling.ENGAGED: "engagement",
}
# The way each feeling is worth mentioning: stress going up, happiness and engagement going down. Challenge
# can be too much or too little, so a run alone says nothing.
WORRYING = {Feeling.STRESSED: "up", Feeling.HAPPY: "down", Feeling.ENGAGED: "down"}
_COUNTS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight")

CLOSED = "This 1:1 has started, so its check-in is closed. The next prompt brings a new one."
NOT_AHEAD = "This 1:1 isn't going ahead, so its check-in is closed."
OFF = "The pulse check-in is off for you in this 1:1. You can turn it on in Settings (`/1on1 settings`)."


@dataclass(frozen=True)
class Run:
    """A feeling that moved the worrying way at each of the last `meetings` meetings."""

    feeling: Feeling
    direction: str  # "up" or "down"
    meetings: int

    def words(self) -> str:
        """ "stress up three meetings in a row"."""
        count = _COUNTS[self.meetings] if self.meetings < len(_COUNTS) else str(self.meetings)
        return f"{NOUNS[self.feeling]} {self.direction} {count} meetings in a row"


def offered(i_lead: bool | None, as_report: bool, as_manager: bool) -> bool:
    """Whether a person is offered the check-in in a 1:1: in one they don't lead unless they turned it off,
    in one they lead only if they turned it on; `i_lead` None (nobody leads the pair yet): to nobody."""
    if i_lead is None:
        return False
    return as_manager if i_lead else as_report


def still_open(status: MeetingStatus, starts_at: datetime, now: datetime) -> bool:
    """Whether a tap still counts: until the meeting starts, if it is going ahead."""
    return status is MeetingStatus.SCHEDULED and now < starts_at


def check_open(status: MeetingStatus, starts_at: datetime, now: datetime) -> None:
    """A tap after the meeting started, or for one not going ahead, is refused in words that say why."""
    if status is not MeetingStatus.SCHEDULED:
        raise DomainError(NOT_AHEAD)
    if now >= starts_at:
        raise DomainError(CLOSED)


def sparkline(values: Sequence[int | None]) -> str:
    """One bar per meeting, oldest first; GAP where there was no answer (or one off the scale)."""
    return "".join(BARS.get(value, GAP) if value is not None else GAP for value in values)


def rising_streak(values: Sequence[int | None]) -> int:
    """How many meetings in a row, ending with the last, a feeling went up (gaps end a streak)."""
    return _streak(values, lambda before, after: after > before)


def falling_streak(values: Sequence[int | None]) -> int:
    """How many meetings in a row, ending with the last, a feeling went down (gaps end a streak)."""
    return _streak(values, lambda before, after: after < before)


def notable_runs(trend: Mapping[Feeling, Sequence[int | None]]) -> list[Run]:
    """The runs worth saying, in Feeling's order: a feeling that moved the worrying way NOTABLE_STREAK or
    more meetings in a row, up to its latest answer."""
    runs = []
    for feeling, direction in WORRYING.items():
        values = trend.get(feeling, ())
        streak = rising_streak(values) if direction == "up" else falling_streak(values)
        if streak >= NOTABLE_STREAK:
            runs.append(Run(feeling, direction, streak))
    return sorted(runs, key=lambda run: list(Feeling).index(run.feeling))


def _streak(values: Sequence[int | None], moved: Callable[[int, int], bool]) -> int:
    streak = 0
    for before, after in zip(reversed(values[:-1]), reversed(values[1:]), strict=True):
        if before is None or after is None or not moved(before, after):
            break
        streak += 1
    return streak
