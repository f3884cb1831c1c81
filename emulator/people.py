"""A few made-up workspace members for the emulator when it runs on its own (``python -m emulator``)."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.web_api import SlackEmulator

_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
# Zones far enough apart that working hours barely overlap, and some with daylight saving time.
_ZONES = (
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Europe/London",
    "Australia/Sydney",
    "America/Sao_Paulo",
)


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    tz: str


def people(count: int) -> list[Person]:
    """`count` people, always the same ones in the same order: UALICE01 alice America/New_York, …"""
    found = []
    for k in range(count):
        base = _NAMES[k] if k < len(_NAMES) else "person"
        name = base if k < len(_NAMES) else f"{base}{k + 1}"
        found.append(Person(f"U{base.upper()}{k + 1:02d}", name, _ZONES[k % len(_ZONES)]))
    return found


def add_people(emulator: SlackEmulator, count: int) -> list[Person]:
    """Register `count` people (see :func:`people`) as members of the emulator's workspace."""
    added = people(count)
    for person in added:
        emulator.add_user(person.user_id, person.name, tz=person.tz)
    return added
