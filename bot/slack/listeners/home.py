"""The Home tab: app_home_opened, and the Home tab's buttons (issue 12, part 1)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.deps import Deps


def register(app: App, deps: Deps) -> None:
    pass  # TODO(issue 12)
