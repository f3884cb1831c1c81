"""Thread replies under the summary: an item done, what is still open (issue 12, part 5)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import Message


def action_done_message(done: Any) -> Message:
    raise NotImplementedError  # TODO(issue 12)


def still_open_message(still_open: Any) -> Message:
    raise NotImplementedError  # TODO(issue 12)
