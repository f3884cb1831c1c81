"""What listeners need from the rest of the bot, handed in by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from bot.now import Clock
from bot.store.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    sessions: SessionFactory
    clock: Clock
