"""`python -m bot demo`: a week of 1:1s against the bundled Slack emulator, printed as a transcript."""

from __future__ import annotations

from bot.config import Settings


def play(settings: Settings) -> int:
    raise NotImplementedError("issue 16: the demo")
