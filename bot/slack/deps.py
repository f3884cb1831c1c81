"""What listeners need from the rest of the bot, handed in by the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.now import Clock
from bot.services.people import Directory
from bot.slack.after_ack import AfterAck
from bot.store.db import SessionFactory


class Kicker(Protocol):
    def kick(self) -> None:
        """Deliver what was just queued, soon, without the caller waiting for Slack."""


@dataclass(frozen=True)
class Deps:
    sessions: SessionFactory
    clock: Clock
    directory: Directory
    outbox: Kicker
    later: AfterAck  # what needs Slack runs here, after the ack
    public_url: str | None = None  # where calendar feeds are served (PUBLIC_URL); None: feeds are off
    calendar_fetch_private: bool = False  # tests only: busy calendars from http and private addresses
