"""Renderers of issue 15's outgoing messages for handoff (filled in by its part)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import Message


def handoff_asked_message(data: Any) -> Message:
    raise NotImplementedError("issue 15")


def handoff_done_message(data: Any) -> Message:
    raise NotImplementedError("issue 15")
