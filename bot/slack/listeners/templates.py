"""Listeners for issue 14 (coaching depth): filled in by its part for templates."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass
