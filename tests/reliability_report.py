"""Figures the reliability tests record, printed at the end of a run (`python -m tests.reliability`)."""

from __future__ import annotations

from collections import defaultdict

FIGURES: dict[str, int] = defaultdict(int)


def record(name: str, value: int) -> None:
    """Add `value` to the figure `name` (figures add up across tests and examples)."""
    FIGURES[name] += value
