"""The schedule modal (from the Home tab, the global shortcut and `/1on1 schedule` alone); edit a series."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass  # TODO(issue 12)
