"""What listeners need from the rest of the bot, handed in by the app factory."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.now import Clock
from bot.services.people import Directory
from bot.slack.after_ack import AfterAck
from bot.slack.directory import CacheOnly, SlackDirectory
from bot.store.db import SessionFactory


class Kicker(Protocol):
    def kick(self) -> None:
        """Deliver what was just queued, soon, without the caller waiting for Slack."""


@dataclass(frozen=True)
class Deps:
    sessions: SessionFactory
    clock: Clock
    outbox: Kicker
    later: AfterAck  # what needs Slack runs here, after the ack
    public_url: str | None = None  # where calendar feeds are served (PUBLIC_URL); None: feeds are off
    calendar_fetch_private: bool = False  # tests only: busy calendars from http and private addresses
    # Where people's time zones come from: the database alone until a listener hands in the request's
    # Slack client (`asking`), whose token is the one of the workspace the request came from.
    directory: Directory = field(default_factory=CacheOnly)
    # Many workspaces (issue 16): the installations, whose tokens a leaving workspace takes with it.
    installations: InstallationStore | None = None

    def asking(self, client: WebClient) -> Deps:
        """These deps with a directory that asks Slack through `client` (Bolt's, for this request)."""
        return replace(self, directory=SlackDirectory(client))
