"""Errors whose message is meant for the person who caused them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; `message` says what and how to do it right, in words for users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTimezone(DomainError):
    pass


class TextTooLong(DomainError):
    pass


class EmptyText(DomainError):
    pass
