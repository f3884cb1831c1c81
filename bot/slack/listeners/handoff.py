"""Listeners for issue 15 (people own their data): filled in by its part for handoff."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass
