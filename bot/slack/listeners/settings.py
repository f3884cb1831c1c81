"""Settings: the modal from the Home tab and `/1on1 settings`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass  # TODO(issue 12)
