"""Errors whose message is meant for the person who caused them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; `message` says what and how to do it right, in plain words for people.

    No Slack markup: a person it names is a `{}` placeholder, filled from `people` (their Slack user
    ids, in order) by whoever shows it, as a mention or as words.
    """

    def __init__(self, message: str, *people: str) -> None:
        super().__init__(message)
        self.message = message
        self.people = people


class InvalidField(DomainError):
    """One field of a form is wrong; `field` names it, so the message can sit under it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidTimezone(DomainError):
    pass


class TextTooLong(DomainError):
    pass


class EmptyText(DomainError):
    pass
