"""Renderers of issue 15's outgoing messages for erasure (filled in by its part)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import Message


def partner_erased_message(data: Any) -> Message:
    raise NotImplementedError("issue 15")
