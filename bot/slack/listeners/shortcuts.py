"""The "Add to 1:1 agenda" message shortcut: a Slack message becomes a topic with a link back."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass  # TODO(issue 12)
