"""The demo is also a smoke test: each step says what it expected, and the first miss ends it."""

from __future__ import annotations


class DemoFailed(Exception):
    """The week did not play as expected; the message says what went wrong, in one line."""


def expect(condition: object, what_went_wrong: str) -> None:
    if not condition:
        raise DemoFailed(what_went_wrong)
