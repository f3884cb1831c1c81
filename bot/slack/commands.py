"""The `/1on1` grammar (DESIGN.md): Slack's text in, a typed command or a CommandError out. Pure.

Free text in a command comes out as what the person meant (`text.from_slack`): "R&amp;D" is "R&D".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

from bot.services.series import ScheduleRequest
from bot.slack.payloads import parse_id
from bot.slack.text import escape, from_slack

COMMAND = "/1on1"

USAGE: dict[str, str] = {
    "help": "help",
    "schedule": "schedule @person weekly|biweekly|monthly <mon…sun> <HH:MM> [<N>m] [from <YYYY-MM-DD>] "
    "[lead <N>h] [as report]",
    "add-topic": "add-topic [@person] <text>",
    "agenda": "agenda [@person]",
    "list": "list",
    "actions": "actions [@person]",
    "add-action": "add-action [@person] <text> [due <YYYY-MM-DD>] [for @person]",
    "done": "done <action item number>",
    "note": "note [@person] <text>",
    "skip": "skip [@person]",
    "reschedule": "reschedule [@person] <YYYY-MM-DD|mon…sun|tomorrow> <HH:MM>",
    "cancel": "cancel @person",
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = ("weekly", "biweekly", "monthly")
MIN_DURATION, MAX_DURATION = 5, 480
MIN_LEAD_HOURS, MAX_LEAD_HOURS, DEFAULT_LEAD_HOURS = 1, 168, 24

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
# [0-9], not \d: \d also matches other scripts' digits.
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_DURATION = re.compile(r"^([0-9]{1,3})m(?:in)?$")
_HOURS = re.compile(r"^([0-9]{1,3})h$")


class CommandError(Exception):
    """What was wrong with the text, and the form that would have worked."""

    def __init__(self, problem: str, subcommand: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = f"{COMMAND} {USAGE[subcommand]}" if subcommand else None


@dataclass(frozen=True)
class Help:
    pass


# `schedule` parses straight into the service's request: the grammar adds nothing to it.
Schedule = ScheduleRequest


@dataclass(frozen=True)
class AddTopic:
    person: str | None
    text: str


@dataclass(frozen=True)
class Agenda:
    person: str | None


@dataclass(frozen=True)
class ListMeetings:
    pass


@dataclass(frozen=True)
class Actions:
    person: str | None


@dataclass(frozen=True)
class AddAction:
    person: str | None
    text: str
    due: date | None = None
    owner: str | None = None


@dataclass(frozen=True)
class Done:
    action_id: int


@dataclass(frozen=True)
class AddNote:
    person: str | None
    text: str


@dataclass(frozen=True)
class Skip:
    person: str | None


@dataclass(frozen=True)
class Reschedule:
    person: str | None
    day: date | int | str  # a date, a weekday number, or "tomorrow"
    at: time


@dataclass(frozen=True)
class Cancel:
    person: str


Command = (
    Help
    | Schedule
    | AddTopic
    | Agenda
    | ListMeetings
    | Actions
    | AddAction
    | Done
    | AddNote
    | Skip
    | Reschedule
    | Cancel
)


def parse(text: str) -> Command:
    words = text.split()
    if not words or words[0].lower() == "help":
        return Help()
    name, args = words[0].lower(), words[1:]
    parser = _PARSERS.get(name)
    if parser is None:
        raise CommandError(f"I don't know the command `{_shorten(words[0])}`.")
    return parser(args, text)


def mentioned_user(word: str) -> str | None:
    match = _MENTION.match(word)
    return match.group(1) if match else None


def _take_person(args: list[str], sub: str, *, required: bool) -> tuple[str | None, list[str]]:
    if args and (user := mentioned_user(args[0])):
        return user, args[1:]
    if args and args[0].startswith("@"):
        raise CommandError(
            f"I couldn't tell who `{_shorten(args[0])}` is. Pick the person from Slack's @ menu so it "
            "becomes a mention.",
            sub,
        )
    if required:
        raise CommandError("Say who the 1:1 is with: mention them with @.", sub)
    return None, args


def _rest_text(raw: str, sub: str, skip_words: int) -> str:
    """The free text after the first `skip_words` words, with the user's own spacing and line breaks."""
    parts = raw.strip().split(None, skip_words)
    rest = from_slack(parts[skip_words]).strip() if len(parts) > skip_words else ""
    if not rest:
        raise CommandError("Add the text after the command.", sub)
    return rest


def _no_more(args: list[str], sub: str) -> None:
    if args:
        raise CommandError(f"I didn't expect `{_shorten(' '.join(args))}` here.", sub)


def _parse_help(args: list[str], raw: str) -> Command:
    return Help()


def _parse_schedule(args: list[str], raw: str) -> Command:
    sub = "schedule"
    person, args = _take_person(args, sub, required=True)
    assert person is not None
    if len(args) < 3:
        raise CommandError("Give the cadence, the weekday and the time, e.g. `weekly tue 10:00`.", sub)
    cadence = args[0].lower()
    if cadence not in CADENCES:
        raise CommandError(
            f"The cadence must be weekly, biweekly or monthly, not `{_shorten(args[0])}`.", sub
        )
    weekday = _weekday(args[1], sub)
    at = _time(args[2], sub)
    rest = args[3:]
    duration, start, caller_is_manager, lead = 30, None, True, DEFAULT_LEAD_HOURS
    if rest and _DURATION.match(rest[0].lower()):
        duration = _duration(rest.pop(0), sub)
    if rest and rest[0].lower() == "from":
        if len(rest) < 2:
            raise CommandError("Give the first date after `from`, as YYYY-MM-DD.", sub)
        start = _date(rest[1], sub)
        rest = rest[2:]
    if rest and rest[0].lower() == "lead":
        lead = _lead_hours(rest[1] if len(rest) > 1 else "", sub)
        rest = rest[2:]
    if [w.lower() for w in rest[:2]] in (["as", "report"], ["as", "manager"]):
        caller_is_manager = rest[1].lower() == "manager"
        rest = rest[2:]
    _no_more(rest, sub)
    return Schedule(person, cadence, weekday, at, duration, start, caller_is_manager, timedelta(hours=lead))


def _parse_add_topic(args: list[str], raw: str) -> Command:
    person, _ = _take_person(args, "add-topic", required=False)
    return AddTopic(person, _rest_text(raw, "add-topic", 1 + (person is not None)))


def _parse_note(args: list[str], raw: str) -> Command:
    person, _ = _take_person(args, "note", required=False)
    return AddNote(person, _rest_text(raw, "note", 1 + (person is not None)))


def _parse_add_action(args: list[str], raw: str) -> Command:
    sub = "add-action"
    person, rest = _take_person(args, sub, required=False)
    owner: str | None = None
    due: date | None = None
    # Options sit at the end, in either order: `due <date>` and `for @person`.
    while len(rest) >= 2 and rest[-2].lower() in ("due", "for"):
        if rest[-2].lower() == "due":
            due = _date(rest[-1], sub)
        else:
            owner = mentioned_user(rest[-1])
            if owner is None:
                raise CommandError("Say whose action item it is by mentioning them after `for`.", sub)
        rest = rest[:-2]
    if not rest:
        raise CommandError("Add the action item's text.", sub)
    return AddAction(person, from_slack(" ".join(rest)), due, owner)


def _parse_done(args: list[str], raw: str) -> Command:
    number = parse_id(args[0].lstrip("#")) if len(args) == 1 else None
    if number is None:
        raise CommandError(
            "Give the number of the action item, as `/1on1 actions` shows it (e.g. `done 12`).", "done"
        )
    return Done(number)


def _person_only(sub: str, build: type) -> object:
    def parse_it(args: list[str], raw: str) -> Command:
        person, rest = _take_person(args, sub, required=False)
        _no_more(rest, sub)
        return build(person)

    return parse_it


def _parse_list(args: list[str], raw: str) -> Command:
    _no_more(args, "list")
    return ListMeetings()


def _parse_reschedule(args: list[str], raw: str) -> Command:
    sub = "reschedule"
    person, args = _take_person(args, sub, required=False)
    if len(args) != 2:
        raise CommandError("Give the new day and time, e.g. `tomorrow 14:00` or `2026-12-03 09:30`.", sub)
    word = args[0].lower()
    day: date | int | str
    if word == "tomorrow":
        day = "tomorrow"
    elif word[:3] in WEEKDAYS and not word[0].isdigit():
        day = _weekday(word, sub)
    else:
        day = _date(args[0], sub)
    return Reschedule(person, day, _time(args[1], sub))


def _parse_cancel(args: list[str], raw: str) -> Command:
    person, rest = _take_person(args, "cancel", required=True)
    assert person is not None
    _no_more(rest, "cancel")
    return Cancel(person)


def _weekday(word: str, sub: str) -> int:
    lowered = word.lower()
    for index, short in enumerate(WEEKDAYS):
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[index]
        if lowered in (short, full) or (len(lowered) >= 3 and full.startswith(lowered)):
            return index
    raise CommandError(f"`{_shorten(word)}` isn't a weekday; use mon, tue, wed, thu, fri, sat or sun.", sub)


def _time(word: str, sub: str) -> time:
    match = _TIME.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise CommandError(f"`{_shorten(word)}` isn't a time; use 24-hour HH:MM, e.g. 09:30 or 16:00.", sub)


def _date(word: str, sub: str) -> date:
    try:
        if len(word) == 10:
            return date.fromisoformat(word)
    except ValueError:
        pass
    raise CommandError(f"`{_shorten(word)}` isn't a date; use YYYY-MM-DD, e.g. 2026-12-03.", sub)


def _duration(word: str, sub: str) -> int:
    match = _DURATION.match(word.lower())
    minutes = int(match.group(1)) if match else -1
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise CommandError(
            f"The length must be between {MIN_DURATION}m and {MAX_DURATION}m, like `30m`.", sub
        )
    return minutes


def _lead_hours(word: str, sub: str) -> int:
    match = _HOURS.match(word.lower())
    hours = int(match.group(1)) if match else -1
    if not MIN_LEAD_HOURS <= hours <= MAX_LEAD_HOURS:
        raise CommandError(
            f"Say how long before each meeting to ask for topics, between {MIN_LEAD_HOURS}h and "
            f"{MAX_LEAD_HOURS}h, like `lead 48h`.",
            sub,
        )
    return hours


def _shorten(word: str, limit: int = 40) -> str:
    # Echoed words are quoted in code spans: keep them short, free of backticks, and escaped.
    word = from_slack(word).replace("`", "'")
    return escape(word if len(word) <= limit else word[: limit - 1] + "…")


_PARSERS = {
    "help": _parse_help,
    "schedule": _parse_schedule,
    "add-topic": _parse_add_topic,
    "agenda": _person_only("agenda", Agenda),
    "list": _parse_list,
    "actions": _person_only("actions", Actions),
    "add-action": _parse_add_action,
    "done": _parse_done,
    "note": _parse_note,
    "skip": _person_only("skip", Skip),
    "reschedule": _parse_reschedule,
    "cancel": _parse_cancel,
}

NAME_OF: dict[type, str] = {
    Help: "help",
    Schedule: "schedule",
    AddTopic: "add-topic",
    Agenda: "agenda",
    ListMeetings: "list",
    Actions: "actions",
    AddAction: "add-action",
    Done: "done",
    AddNote: "note",
    Skip: "skip",
    Reschedule: "reschedule",
    Cancel: "cancel",
}
