"""The `/1on1` grammar's shared pieces: people, times, dates and free text, as Slack sends them.

Pure: text in, values or a CommandError out. Free text comes out as what the person meant
(`text.from_slack`): "R&amp;D" is "R&D".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from bot.services.pairs import Actor
from bot.slack.deps import Deps
from bot.slack.text import escape, from_slack

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCES = ("weekly", "biweekly", "monthly")
MIN_DURATION, MAX_DURATION = 5, 480
MIN_LEAD_HOURS, MAX_LEAD_HOURS, DEFAULT_LEAD_HOURS = 1, 168, 24

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
# [0-9], not \d: \d also matches other scripts' digits.
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_DURATION = re.compile(r"^([0-9]{1,3})m(?:in)?$")
_HOURS = re.compile(r"^([0-9]{1,3})h$")

Reply = dict[str, Any]


class CommandError(Exception):
    """What was wrong with the text, and the subcommand whose form would have worked."""

    def __init__(self, problem: str, subcommand: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.subcommand = subcommand
        self.usage: str | None = None  # filled in from the registry row


@dataclass(frozen=True)
class Subcommand:
    """One `/1on1` subcommand: everything about it in one row of the registry."""

    name: str
    usage: str  # the form after "/1on1 ", as help and errors show it
    help: str  # one line for `/1on1 help`
    parse: Callable[[list[str], str], Any]  # (words after the name, the whole raw text) -> its command
    # Looks time zones up before it writes anything; a reply, or a modal to open instead (rim.OpenModal).
    handle: Callable[[Deps, Actor, Any], Any]


def mentioned_user(word: str) -> str | None:
    match = _MENTION.match(word)
    return match.group(1) if match else None


def take_person(args: list[str], sub: str, *, required: bool) -> tuple[str | None, list[str]]:
    if args and (user := mentioned_user(args[0])):
        return user, args[1:]
    if args and args[0].startswith("@"):
        raise CommandError(
            f"I couldn't tell who `{shorten(args[0])}` is. Pick the person from Slack's @ menu so it "
            "becomes a mention.",
            sub,
        )
    if required:
        raise CommandError("Say who the 1:1 is with: mention them with @.", sub)
    return None, args


def rest_text(raw: str, sub: str, skip_words: int) -> str:
    """The free text after the first `skip_words` words, with the user's own spacing and line breaks."""
    parts = raw.strip().split(None, skip_words)
    rest = from_slack(parts[skip_words]).strip() if len(parts) > skip_words else ""
    if not rest:
        raise CommandError("Add the text after the command.", sub)
    return rest


def no_more(args: list[str], sub: str) -> None:
    if args:
        raise CommandError(f"I didn't expect `{shorten(' '.join(args))}` here.", sub)


def weekday_of(word: str, sub: str) -> int:
    lowered = word.lower()
    for index, short in enumerate(WEEKDAYS):
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[index]
        if lowered in (short, full) or (len(lowered) >= 3 and full.startswith(lowered)):
            return index
    raise CommandError(f"`{shorten(word)}` isn't a weekday; use mon, tue, wed, thu, fri, sat or sun.", sub)


def time_of(word: str, sub: str) -> time:
    match = _TIME.match(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise CommandError(f"`{shorten(word)}` isn't a time; use 24-hour HH:MM, e.g. 09:30 or 16:00.", sub)


def date_of(word: str, sub: str) -> date:
    try:
        if len(word) == 10:
            return date.fromisoformat(word)
    except ValueError:
        pass
    raise CommandError(f"`{shorten(word)}` isn't a date; use YYYY-MM-DD, e.g. 2026-12-03.", sub)


def is_duration(word: str) -> bool:
    return _DURATION.match(word.lower()) is not None


def minutes_of(word: str, sub: str) -> int:
    match = _DURATION.match(word.lower())
    minutes = int(match.group(1)) if match else -1
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise CommandError(
            f"The length must be between {MIN_DURATION}m and {MAX_DURATION}m, like `30m`.", sub
        )
    return minutes


def lead_hours_of(word: str, sub: str) -> int:
    match = _HOURS.match(word.lower())
    hours = int(match.group(1)) if match else -1
    if not MIN_LEAD_HOURS <= hours <= MAX_LEAD_HOURS:
        raise CommandError(
            f"Say how long before each meeting to ask for topics, between {MIN_LEAD_HOURS}h and "
            f"{MAX_LEAD_HOURS}h, like `lead 48h`.",
            sub,
        )
    return hours


def shorten(word: str, limit: int = 40) -> str:
    # Echoed words are quoted in code spans: keep them short, free of backticks, and escaped.
    word = from_slack(word).replace("`", "'")
    return escape(word if len(word) <= limit else word[: limit - 1] + "…")


@dataclass(frozen=True)
class NoArguments:
    """A subcommand that takes nothing: list, whoami."""


def no_arguments(sub: str) -> Callable[[list[str], str], NoArguments]:
    def parse(args: list[str], raw: str) -> NoArguments:
        no_more(args, sub)
        return NoArguments()

    return parse


@dataclass(frozen=True)
class PersonAndText:
    """A subcommand that takes an optional person and free text: add-topic, note."""

    person: str | None
    text: str


def person_and_text(sub: str) -> Callable[[list[str], str], PersonAndText]:
    def parse(args: list[str], raw: str) -> PersonAndText:
        person, _ = take_person(args, sub, required=False)
        return PersonAndText(person, rest_text(raw, sub, 1 + (person is not None)))

    return parse


@dataclass(frozen=True)
class PersonOnly:
    """A subcommand that takes at most a person: agenda, actions, skip."""

    person: str | None


def person_only(sub: str) -> Callable[[list[str], str], PersonOnly]:
    def parse(args: list[str], raw: str) -> PersonOnly:
        person, rest = take_person(args, sub, required=False)
        no_more(rest, sub)
        return PersonOnly(person)

    return parse
