"""`/1on1 settings`: opens the Settings modal (bot/slack/listeners/settings.py saves it)."""

from __future__ import annotations

from bot.services.pairs import Actor
from bot.slack.deps import Deps
from bot.slack.listeners.settings import open_settings
from bot.slack.rim import OpenModal
from bot.slack.subcommands import grammar as g

NAME = "settings"


def handle(deps: Deps, actor: Actor, parsed: g.NoArguments) -> OpenModal:
    return open_settings(deps, actor)


ROW = g.Subcommand(
    NAME,
    "settings",
    "your working hours, when you are asked for topics, the question suggestion",
    g.no_arguments(NAME),
    handle,
)
