"""Who the Slack integration tests are about: four people, each in their own time zone."""

from __future__ import annotations

from emulator.web_api import SlackEmulator

ALICE, BOB, CAROL, DAVE = "UALICE01", "UBOB0001", "UCAROL01", "UDAVE001"
ZONES = {ALICE: "America/New_York", BOB: "Europe/Berlin", CAROL: "Asia/Tokyo", DAVE: "America/New_York"}


def add_people(emulator: SlackEmulator) -> None:
    """The four of them, as Slack users with their zones."""
    for user_id, zone in ZONES.items():
        emulator.add_user(user_id, name=user_id.lower(), tz=zone)
