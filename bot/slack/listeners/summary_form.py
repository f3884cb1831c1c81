"""The summary modal growing: "Add another action item" (views.update)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass  # TODO(issue 12)
