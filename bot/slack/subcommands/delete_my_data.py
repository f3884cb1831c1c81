"""`/1on1 delete-my-data`: a form says what goes and what stays; submitting it deletes (issue 15, part 2;
bot/slack/listeners/erasure.py)."""

from __future__ import annotations

from bot.services import erasure
from bot.services.pairs import Actor
from bot.slack.blocks.erasure_modal import erasure_modal
from bot.slack.deps import Deps
from bot.slack.rim import OpenModal
from bot.slack.subcommands import grammar as g

NAME = "delete-my-data"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> OpenModal:
    return OpenModal(erasure_modal(erasure.erasure_form(deps.sessions, actor)))


ROW = g.Subcommand(
    NAME,
    "delete-my-data",
    "delete what you wrote privately and your settings, end your 1:1s (asks first, says what goes)",
    g.no_arguments(NAME),
    handle,
)
