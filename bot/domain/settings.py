"""A person's own settings: working days and hours, how long before a 1:1 they are asked for topics,
whether they get the question suggestion and the pulse check-in. Defaults, the rules a choice must keep,
and whether an instant falls inside someone's working hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from bot.domain.errors import InvalidField

DEFAULT_DAYS = frozenset(range(5))  # Monday to Friday
DEFAULT_START, DEFAULT_END = time(9), time(17)
# Less than this leaves no real room for a 1:1 (and is more likely a slip of the time picker).
MIN_WORKING_TIME = timedelta(hours=1)
# The lead times the form offers, in minutes ("the 1:1's own setting" is None); any whole number of
# minutes between the first and the last is kept (a form from a version that offered others still saves).
LEAD_CHOICES = (2 * 60, 4 * 60, 24 * 60, 2 * 24 * 60, 3 * 24 * 60, 7 * 24 * 60)
MIN_LEAD, MAX_LEAD = 60, 7 * 24 * 60  # the `lead` a series may have (bot/slack/subcommands/grammar.py)


class Field(StrEnum):
    """The settings form's fields, as an InvalidField names them (the modal's block ids)."""

    DAYS = "settings_work_days"
    START = "settings_work_start"
    END = "settings_work_end"
    LEAD = "settings_prompt_lead"
    QUESTION = "settings_question"
    HOLIDAYS = "settings_holidays"  # "DE" or "DE-BY": public holidays count as time away
    AWAY_FROM = "settings_away_from"
    AWAY_TO = "settings_away_to"
    BUSY_URL = "settings_busy_url"  # the secret iCal address of their own calendar
    PULSE = "settings_pulse"  # the pulse check-in: in 1:1s they don't lead, in 1:1s they lead


@dataclass(frozen=True)
class WorkingHours:
    """When someone works, on their own clock: weekdays (0 = Monday) and a start and end each day."""

    days: frozenset[int] = DEFAULT_DAYS
    start: time = DEFAULT_START
    end: time = DEFAULT_END

    def contains(self, local: datetime) -> bool:
        """Whether the instant, on this person's clock, is inside their working hours."""
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def minutes_outside(self, local_start: datetime, local_end: datetime) -> int:
        """How far, in minutes, a meeting sticks out of the working day (0 when inside).

        Distance rather than overlap, so 18:00 scores better than 21:00 for someone who stops at 17:00.
        A day off, or a meeting running over midnight, is a far bigger ask than a late evening.
        """
        if local_start.weekday() not in self.days or local_end.date() != local_start.date():
            return 24 * 60
        begin, end = _minutes(local_start.time()), _minutes(local_end.time())
        return max(0, _minutes(self.start) - begin) + max(0, end - _minutes(self.end))


DEFAULT_HOURS = WorkingHours()


@dataclass(frozen=True)
class PersonalSettings:
    hours: WorkingHours = DEFAULT_HOURS
    lead_minutes: int | None = None  # None: each 1:1's own lead time
    question_suggestions: bool = True
    # The pulse check-in (bot/domain/pulse.py): offered in 1:1s they don't lead unless turned off, and in
    # 1:1s they lead only once turned on.
    pulse_as_report: bool = True
    pulse_as_manager: bool = False


def days_from_digits(digits: str | None) -> frozenset[int]:
    """Stored weekday digits ("01234") as weekdays; None (never set) is Monday to Friday."""
    if digits is None:
        return DEFAULT_DAYS
    return frozenset(int(d) for d in digits if d in "0123456")


def days_to_digits(days: frozenset[int]) -> str:
    return "".join(str(day) for day in sorted(days))


def settings_of(
    days: str | None,
    start: time | None,
    end: time | None,
    lead_minutes: int | None,
    question_suggestions: bool | None,
    pulse_as_report: bool | None = None,
    pulse_as_manager: bool | None = None,
) -> PersonalSettings:
    """Stored values (None where never set) with the defaults filled in."""
    return PersonalSettings(
        WorkingHours(days_from_digits(days), start or DEFAULT_START, end or DEFAULT_END),
        lead_minutes,
        True if question_suggestions is None else question_suggestions,
        True if pulse_as_report is None else pulse_as_report,
        False if pulse_as_manager is None else pulse_as_manager,
    )


def validated(
    days: frozenset[int],
    start: time | None,
    end: time | None,
    lead_minutes: int | None,
    questions: bool,
    *,
    pulse_as_report: bool = True,
    pulse_as_manager: bool = False,
) -> PersonalSettings:
    """The settings as chosen, or an InvalidField naming the first field that breaks a rule."""
    if not days:
        raise InvalidField(Field.DAYS, "Pick at least one working day.")
    if not days <= set(range(7)):
        raise InvalidField(Field.DAYS, "Pick working days from Monday to Sunday.")
    if start is None:
        raise InvalidField(Field.START, "Pick the time your working day starts.")
    if end is None:
        raise InvalidField(Field.END, "Pick the time your working day ends.")
    if end <= start:
        raise InvalidField(
            Field.END,
            f"The end, {end:%H:%M}, isn't after the start, {start:%H:%M}. Pick a later end: working hours "
            "run within one day.",
        )
    if _minutes(end) - _minutes(start) < MIN_WORKING_TIME.total_seconds() // 60:
        raise InvalidField(
            Field.END,
            f"Leave at least an hour between start and end ({start:%H:%M} to {end:%H:%M} is shorter), "
            "so there is time to meet.",
        )
    if lead_minutes is not None and not MIN_LEAD <= lead_minutes <= MAX_LEAD:
        raise InvalidField(Field.LEAD, "Pick one of the choices for when you are asked for topics.")
    return PersonalSettings(
        WorkingHours(days, start, end), lead_minutes, questions, pulse_as_report, pulse_as_manager
    )


def own_prompt_time(starts_at: datetime, series_lead: timedelta, own_lead_minutes: int | None) -> datetime:
    """When one person is asked for topics: their own lead before the start, else the 1:1's own."""
    lead = series_lead if own_lead_minutes is None else timedelta(minutes=own_lead_minutes)
    return starts_at - lead


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute
