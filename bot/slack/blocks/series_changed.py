"""The message telling the other person what an edit of the series changed (issue 12, part 2)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import Message


def series_changed_message(change: Any) -> Message:
    raise NotImplementedError  # TODO(issue 12)
