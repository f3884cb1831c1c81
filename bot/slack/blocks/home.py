"""The Home tab's view (views.publish): one section per 1:1 and its buttons (issue 12, part 1)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import Message


def home_tab(view: Any) -> Message:
    raise NotImplementedError  # TODO(issue 12)
