"""The demo's output: what each person did and saw, each line at the time where that person is.

    Mon 30 Nov 09:00 New York  | Alice types: /1on1 schedule @Bob weekly tue 10:00
    Mon 30 Nov 09:00 New York  | Alice sees (only visible to you):
                                 │ Scheduled …

A message two people see has a header line for each of them (their own day and time), then its text once,
or once for each of them when Slack shows it differently to each (a date in their own zone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from bot.demo.people import EVERYONE, Person
from bot.demo.render import Reader, message_text

NAMES = {person.user_id: person.name for person in EVERYONE}

_STAMP_WIDTH = 28  # "Mon 30 Nov 09:00 Bangalore " and a little room
BODY = " " * (_STAMP_WIDTH + 2) + "│ "  # where a message's text lines start


class Place(StrEnum):
    """Where in Slack a person sees something, as the transcript says it."""

    EPHEMERAL = "(only visible to you)"
    DM = "in the bot's DM"
    THREAD = "in a thread of the bot's DM"
    GROUP = "in the group DM"
    FORM = "in the form"


@dataclass(frozen=True)
class Seen:
    at: datetime
    viewers: Sequence[Person]
    place: Place
    message: Mapping[str, Any]  # as Slack stored it, or a reply's payload: text and blocks
    edited: bool = False  # the bot changed a message they had seen


def read(message: Mapping[str, Any], person: Person, at: datetime) -> str:
    """What Slack shows `person` of `message` at `at`."""
    return message_text(message, Reader(NAMES, person.zone, at))


class Transcript:
    def __init__(self, out: TextIO) -> None:
        self._out = out

    def title(self, text: str) -> None:
        self._print(text, "=" * len(text), "")

    def scene(self, text: str) -> None:
        self._print("", f"── {text} " + "─" * max(3, 100 - len(text) - 4))

    def act(self, at: datetime, person: Person, what: str) -> None:
        """Something a person did: typed, wrote, clicked, filled in."""
        first, *rest = what.splitlines() or [""]
        self._print(f"{_stamp(person, at)}| {person.name} {first}", *(BODY + line for line in rest))

    def seen(self, seen: Seen) -> None:
        by_text: dict[str, list[Person]] = {}
        for viewer in seen.viewers:
            by_text.setdefault(read(seen.message, viewer, seen.at), []).append(viewer)
        for text, viewers in by_text.items():
            for viewer in viewers:
                self._print(f"{_stamp(viewer, seen.at)}| {viewer.name} {_verb(seen, viewer)}:")
            self._print(*(BODY + line for line in text.splitlines() or [""]))

    def note(self, text: str) -> None:
        """The narrator, between the people's lines."""
        self._print(f"{'':{_STAMP_WIDTH}}  ({text})")

    def _print(self, *lines: str) -> None:
        for line in lines:
            print(line.rstrip(), file=self._out)


def _stamp(person: Person, at: datetime) -> str:
    local = person.local(at)
    return f"{local:%a} {local.day} {local:%b %H:%M} {person.place}".ljust(_STAMP_WIDTH)


def _verb(seen: Seen, viewer: Person) -> str:
    if seen.edited:
        return f"sees a message {seen.place} change to"
    if seen.place is Place.GROUP:
        others = [p.name for p in seen.viewers if p != viewer]
        return f"sees {seen.place} with {' and '.join(others)}" if others else f"sees {seen.place}"
    return f"sees {seen.place}"
