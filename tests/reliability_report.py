"""Figures the reliability tests record, printed at the end of a run (`python -m tests.reliability`)."""

from __future__ import annotations

from collections import defaultdict

FIGURES: dict[str, int] = defaultdict(int)


def record(name: str, value: int) -> None:
    """Add `value` to the figure `name` (figures add up across tests and examples)."""
    FIGURES[name] += value


def record_max(name: str, value: int) -> None:
    """Keep the largest `value` seen for the figure `name` (a worst case, e.g. milliseconds)."""
    FIGURES[name] = max(FIGURES[name], value)
