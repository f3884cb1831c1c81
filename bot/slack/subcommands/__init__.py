"""The `/1on1` subcommands: one registry row each (name, usage, help line, parser, handler).

Each subcommand lives in its own module here; adding one is its module plus one row below. Help,
usage errors and the README's table come from (or are checked against) these rows.
"""

from __future__ import annotations

import functools
from typing import Any

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps
from bot.slack.ids import COMMAND
from bot.slack.subcommands import (
    add_action,
    add_topic,
    agenda,
    away,
    calendar,
    cancel,
    delete_my_data,
    done,
    export,
    handoff,
    history,
    listing,
    note,
    reschedule,
    schedule,
    settings,
    skip,
    whoami,
)
from bot.slack.subcommands.grammar import CommandError, Subcommand, shorten

__all__ = [
    "COMMAND",
    "SUBCOMMANDS",
    "CommandError",
    "Subcommand",
    "needs_no_database",
    "parse",
    "parse_command",
    "row",
]


def _help(deps: Deps, actor: Actor, parsed: None) -> replies.Reply:
    return dict(_help_reply())  # a copy: the caller may add to its reply


@functools.cache
def _help_reply() -> replies.Reply:
    """Built once per process: the same for everyone, and building its Block Kit cost more than the rest
    of answering `help` (benchmarks/RESULTS.md, "Acknowledgement latency")."""
    return replies.help_reply([(f"{COMMAND} {r.usage}", r.help) for r in SUBCOMMANDS if r.name != "help"])


HELP = Subcommand("help", "help", "how to use the bot", lambda args, raw: None, _help)

SUBCOMMANDS: tuple[Subcommand, ...] = (
    HELP,
    schedule.ROW,
    add_topic.ROW,
    agenda.AGENDA,
    listing.ROW,
    agenda.ACTIONS,
    add_action.ROW,
    done.ROW,
    note.ROW,
    skip.ROW,
    reschedule.ROW,
    cancel.ROW,
    settings.ROW,
    calendar.ROW,
    away.AWAY,
    away.BACK,
    history.ROW,
    export.ROW,
    delete_my_data.ROW,
    handoff.ROW,
    whoami.ROW,
)
_BY_NAME = {r.name: r for r in SUBCOMMANDS}


def row(name: str) -> Subcommand:
    return _BY_NAME[name]


def parse_command(text: str) -> tuple[Subcommand, Any]:
    """The subcommand `text` (as Slack sent it) names, and its parsed arguments; help when empty.

    A CommandError says what was wrong and, when a subcommand was recognised, its usage.
    """
    words = text.split()
    if not words:
        return HELP, None
    found = _BY_NAME.get(words[0].lower())
    if found is None:
        raise CommandError(f"I don't know the command `{shorten(words[0])}`.")
    try:
        return found, found.parse(words[1:], text)
    except CommandError as error:
        if error.subcommand is not None:
            error.usage = f"{COMMAND} {row(error.subcommand).usage}"
        raise


def needs_no_database(text: str) -> bool:
    """Whether the command `text` is answered from memory alone: help, or a word that names no command.
    Only the first word is read: this runs before every command, whose arguments its handler parses."""
    words = text.split(None, 1)
    found = _BY_NAME.get(words[0].lower()) if words else HELP
    return found is None or found is HELP


def parse(text: str) -> Any:
    """Just the parsed arguments (the grammar tests' view)."""
    return parse_command(text)[1]
