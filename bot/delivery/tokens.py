"""Which WebClient sends a job: the one token's (SLACK_BOT_TOKEN), or, installed through OAuth, the bot
token of the job's own workspace.

`OneToken`: every job goes out with the same client, and Slack's rate limits are that one workspace's.

`Installed`: the job's workspace (its team and Grid organisation, read with the row) is looked up in the
installation store (slack-sdk's `InstallationStore` interface; bot/store/installations.py keeps them
encrypted): its own bot, else its organisation's org-wide one. A token that expires soon is refreshed
first with slack-sdk's `TokenRotator` (one oauth.v2.access, grant_type=refresh_token) and saved back, so
the next job (or Bolt, for the next request) finds the new one. Each workspace's rate limits are its own
(holds.py). What can't be sent becomes the job's `Outcome`:

- no installation for the workspace: dropped, `not_installed` (nothing will ever send it);
- a rotation Slack refuses (`invalid_refresh_token`, ...): failed for good with Slack's code, until the
  workspace installs the app again; a refused refresh token is not tried again by this process;
- a rotation that can't reach Slack (or a 5xx or 429): retried as any Slack call is (errors.py).

Log lines carry team and row ids and Slack error codes, never a token.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import Protocol, runtime_checkable

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.errors import classify
from bot.delivery.jobs import Job, Outcome
from bot.delivery.slack_calls import build_delivery_client

logger = logging.getLogger(__name__)

NOT_INSTALLED = "not_installed"  # the outbox's reason for a message to a workspace with no installation
NO_WORKSPACE = "no_workspace"  # its row names no workspace, so no token can be chosen
# A token is refreshed when it expires within this long: as Bolt does for requests (its default).
ROTATE_BEFORE_MINUTES = 120
ROTATION = "oauth.v2.access"
# One rotation at a time in this process: two deliverers (the app's, the clock's) that both found the
# same token expiring would otherwise both spend its refresh token.
_ROTATING = threading.Lock()


@runtime_checkable
class Clients(Protocol):
    """What gives each job the client that sends it."""

    # Each workspace has its own token, so its own rate limits (else one token: one workspace's limits).
    per_workspace: bool

    def client_for(self, job: Job) -> WebClient | Outcome:
        """The client for the job's workspace, or the outcome when it can't be sent."""
        ...


class OneToken:
    """SLACK_BOT_TOKEN: the same client for every job."""

    per_workspace = False

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def client_for(self, job: Job) -> WebClient:
        return self.client


def as_clients(clients: WebClient | Clients) -> Clients:
    """A plain WebClient (one token, as tests and the benchmark pass it) as `Clients`."""
    return clients if isinstance(clients, Clients) else OneToken(clients)


class Installed:
    """Each workspace's own bot token, from the installation store, refreshed when it expires soon."""

    per_workspace = True

    def __init__(
        self,
        store: InstallationStore,
        *,
        base_url: str | None,
        client_id: str | None = None,
        client_secret: str | None = None,
        rotate_before_minutes: int = ROTATE_BEFORE_MINUTES,
    ) -> None:
        self._store = store
        self._base_url = base_url
        self._rotate_before = rotate_before_minutes
        self._rotator = (
            TokenRotator(
                client_id=client_id,
                client_secret=client_secret,
                client=build_delivery_client(None, base_url),
            )
            if client_id and client_secret
            else None
        )
        # A client per workspace, rebuilt when its token changes (so the pool of connections is reused).
        self._clients: dict[tuple[str | None, str | None], tuple[str, WebClient]] = {}
        self._refused: dict[str, str] = {}  # refresh token -> Slack's refusal
        self._unsaved: dict[str, Bot] = {}  # spent refresh token -> what it was rotated into, not yet saved

    def client_for(self, job: Job) -> WebClient | Outcome:
        if job.team_id is None:
            logger.warning(
                "outbox %s (%s): its workspace is unknown, no token to send it", job.row_id, job.kind
            )
            return Outcome("failed", reason=NO_WORKSPACE)
        bot: Bot | Outcome | None = self._find(job.team_id, job.enterprise_id)
        if bot is not None and self._expiring(bot):
            with _ROTATING:
                bot = self._fresh(job.team_id, job)
            if isinstance(bot, Outcome):
                return bot
        if bot is None or not bot.bot_token:
            logger.info(
                "outbox %s (%s): dropped, team %s (enterprise %s) has no installation",
                job.row_id,
                job.kind,
                job.team_id,
                job.enterprise_id,
            )
            return Outcome("dropped", reason=NOT_INSTALLED)
        return self._client(bot)

    def _find(self, team_id: str, enterprise_id: str | None) -> Bot | None:
        """The workspace's own bot, else its organisation's org-wide one."""
        bot = self._store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id is not None:
            bot = self._store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        return bot

    def _expiring(self, bot: Bot) -> bool:
        expires_at = bot.bot_token_expires_at
        return (
            self._rotator is not None
            and expires_at is not None
            and expires_at <= time.time() + self._rotate_before * 60
        )

    def _fresh(self, team_id: str, job: Job) -> Bot | Outcome | None:
        """The workspace's bot found again (another thread may have just rotated it), rotated if still due."""
        bot = self._find(team_id, job.enterprise_id)
        if bot is None:
            return None
        rotated = self._rotated(bot, job)
        if isinstance(rotated, Outcome) and rotated.result == "failed":
            # Another process (Bolt on a request, or the clock) may have spent the refresh token first and
            # saved what it got: that one is good.
            again = self._find(team_id, job.enterprise_id)
            if again is not None and again.bot_refresh_token != bot.bot_refresh_token:
                return again
        return bot if rotated is None else rotated

    def _rotated(self, bot: Bot, job: Job) -> Bot | Outcome | None:
        """The bot with a fresh token, saved; None when it needs none (any more); or why it can't be had."""
        assert self._rotator is not None
        refresh = bot.bot_refresh_token or ""
        if refresh in self._refused:
            return Outcome("failed", reason=self._refused[refresh])
        if refresh in self._unsaved:  # rotated already, but not saved: never spend a refresh token twice
            return self._saved(self._unsaved[refresh], refresh)
        try:
            rotated = self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self._rotate_before
            )
        except SlackTokenRotationError as error:
            outcome = replace(classify(error.api_error, job), method=ROTATION)
            logger.warning(
                "team %s: token rotation refused: %s", bot.team_id or bot.enterprise_id, outcome.reason
            )
            if outcome.result == "failed":
                self._refused[refresh] = outcome.reason or "token_rotation_failed"
            return outcome
        except Exception as error:  # Slack not reached: retried with the message
            return replace(classify(error, job), method=ROTATION)
        if rotated is None:
            return None
        logger.info("team %s: bot token rotated", bot.team_id or bot.enterprise_id)
        return self._saved(rotated, refresh)

    def _saved(self, rotated: Bot, spent: str) -> Bot:
        """The rotated bot, saved back to the store. Should that fail, it is kept here (its refresh token
        spent, the stored one is no good any more) and saved again the next time the old one is found."""
        try:
            self._store.save_bot(rotated)
        except Exception:
            self._unsaved[spent] = rotated
            logger.exception(
                "team %s: rotated bot token not saved (kept in memory, saved again on its next use)",
                rotated.team_id or rotated.enterprise_id,
            )
        else:
            self._unsaved.pop(spent, None)
        return rotated

    def _client(self, bot: Bot) -> WebClient:
        key = (bot.enterprise_id, bot.team_id)
        cached = self._clients.get(key)
        if cached is None or cached[0] != bot.bot_token:
            cached = (bot.bot_token, build_delivery_client(bot.bot_token, self._base_url))
            self._clients[key] = cached
        return cached[1]


def clients_from(settings: Settings, engine: Engine) -> Clients:
    """The processes' clients: each workspace's installation (OAuth) or the one SLACK_BOT_TOKEN."""
    if not settings.oauth:
        return OneToken(build_delivery_client(settings.bot_token, settings.slack_api_url))
    # Only here: slack-sdk's SQLAlchemy store imports SQLAlchemy's asyncio part (it needs greenlet).
    from bot.store.installations import installation_store

    store = installation_store(settings.client_id or "", settings.token_keys, engine)
    return Installed(
        store,
        base_url=settings.slack_api_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
    )
