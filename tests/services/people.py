"""Who the service tests are about: four people in one workspace, all in Berlin, and each as a caller."""

from __future__ import annotations

from bot.services.pairs import Actor

TEAM = "T0001"
ALICE, BOB, CAROL, DAVE = "UALICE01", "UBOB0001", "UCAROL01", "UDAVE001"
AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE = (Actor(TEAM, user) for user in (ALICE, BOB, CAROL, DAVE))
BERLIN = "Europe/Berlin"
