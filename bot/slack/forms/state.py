"""One input of a submitted modal, as Slack sends it."""

from __future__ import annotations

from typing import Any

VALUE = "value"  # each input's action id in our modals


def input_state(view: dict[str, Any], block: str, action: str = VALUE) -> dict[str, Any]:
    """One input's state (`{}` when the block is missing or its value null)."""
    return ((view.get("state", {}).get("values", {}).get(block) or {}).get(action)) or {}
