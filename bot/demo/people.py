"""Who the demo is about: four people in four time zones, meeting as two pairs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    zone: str
    place: str  # how the transcript names their zone

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(ZoneInfo(self.zone))


# Alice leads a 1:1 with Bob, across the Atlantic; Carol leads one with Dave, London to Bangalore (their
# working hours overlap in Carol's mornings, so a missed meeting gets slots inside both days).
ALICE = Person("UDEMOALICE", "Alice", "America/New_York", "New York")
BOB = Person("UDEMOBOB01", "Bob", "Europe/Berlin", "Berlin")
CAROL = Person("UDEMOCAROL", "Carol", "Europe/London", "London")
DAVE = Person("UDEMODAVE1", "Dave", "Asia/Kolkata", "Bangalore")
EVERYONE = (ALICE, BOB, CAROL, DAVE)
BY_ID = {person.user_id: person for person in EVERYONE}
