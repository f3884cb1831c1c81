"""The Bolt app factory: settings, database, clock and the outbox's deliverer in; an App with every
listener wired out. The processes build the deliverer (bot/processes.py)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.now import Clock, system_clock
from bot.services import workspaces
from bot.slack import oauth, subcommands
from bot.slack.after_ack import AfterAck
from bot.slack.dedup import DedupingApp, what
from bot.slack.deps import Deps, Kicker
from bot.slack.listeners import (
    actions,
    away,
    calendar,
    commands,
    erasure,
    events,
    handoff,
    history,
    home,
    pulse,
    questions,
    schedule,
    shortcuts,
    summary_form,
    templates,
    views,
)
from bot.slack.listeners import settings as settings_listeners
from bot.slack.workspace_back import WorkspaceBack
from bot.store.db import SessionFactory, engine_of

logger = logging.getLogger(__name__)

LISTENER_TIMEOUT_SECONDS = 10


def build_client(settings: Settings) -> WebClient:
    """A plain client for the processes' start-up checks (auth.test, apps.connections.open)."""
    return WebClient(token=settings.bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)


def build_app(
    settings: Settings,
    sessions: SessionFactory,
    clock: Clock = system_clock,
    *,
    outbox: Kicker,
    later: AfterAck | None = None,
) -> App:
    app = _oauth_app(settings, sessions) if settings.oauth else _single_token_app(settings)
    # Listeners call Slack only after the ack (bot/slack/after_ack.py), with no rate-limit retries that
    # would sleep: a person waiting is told "try again" instead. A shorter timeout than slack-sdk's 30 s
    # keeps a stuck call from holding an after-ack worker for long. Bolt gives each request a client of
    # its own copied from this one (base URL, timeout, retries), with the token of the request's workspace.
    app.client.timeout = LISTENER_TIMEOUT_SECONDS
    deps = Deps(
        sessions=sessions,
        clock=clock,
        installations=app.installation_store,
        outbox=outbox,
        later=later or AfterAck(),
        public_url=settings.public_url,
        calendar_fetch_private=settings.calendar_fetch_private,
    )
    verifier = None if settings.socket_mode else SignatureVerifier(settings.signing_secret or "")
    # With OAuth, Bolt reads every request's installation from the database: nothing is answered from memory.
    from_memory = None if settings.oauth else subcommands.needs_no_database
    app.use_store(sessions, clock, deps.outbox, deps.later, verifier, from_memory=from_memory)
    app.middleware(WorkspaceBack(workspaces.Comebacks(sessions, clock), deps.later))

    deps.later.kick = deps.outbox.kick
    # The catch-all listeners (unknown buttons, other events) are registered last, in `actions` and `events`.
    for listeners in (
        commands,
        home,
        schedule,
        settings_listeners,
        shortcuts,
        summary_form,
        away,
        calendar,
        pulse,
        templates,
        questions,
        history,
        erasure,
        handoff,
        events,
        actions,
        views,
    ):
        listeners.register(app, deps)
    app.error(lambda error, body: _on_error(app, error, body))
    return app


def _single_token_app(settings: Settings) -> DedupingApp:
    """One workspace, one SLACK_BOT_TOKEN: the simple default."""
    app = DedupingApp(
        # The token, not a client: given `client=`, Bolt also reads SLACK_BOT_TOKEN and warns that
        # it goes unused (slack_bolt/app/app.py, App.__init__). Its client retries like build_client's.
        token=settings.bot_token,
        **_common(settings),
    )
    app.client.base_url = settings.slack_api_url or WebClient.BASE_URL  # App takes no base URL
    return app


def _oauth_app(settings: Settings, sessions: SessionFactory) -> DedupingApp:
    """Many workspaces (issue 16): installed through /slack/install; Bolt authorises each request with its
    workspace's token from our installation store (InstallationStoreAuthorize)."""
    client = WebClient(base_url=settings.slack_api_url or WebClient.BASE_URL)
    return DedupingApp(
        client=client,  # also the OAuth flow's (oauth.v2.access) and the token rotator's
        oauth_settings=oauth.oauth_settings(settings, engine_of(sessions), client),
        user_facing_authorize_error_message=oauth.AUTHORIZE_ERROR,
        **_common(settings),
    )


def _common(settings: Settings) -> dict[str, Any]:
    return {
        "signing_secret": settings.signing_secret,
        "request_verification_enabled": not settings.socket_mode,
        # Startup must not depend on reaching Slack; `run`/`serve` check the token once themselves.
        "token_verification_enabled": False,
        # Listeners finish their (fast, database-only) work before the HTTP response; messages to
        # other people go through the outbox, delivered in the background.
        "process_before_response": True,
    }


def _on_error(app: DedupingApp, error: Exception, body: dict[str, Any]) -> BoltResponse | None:
    """A listener's error: logged (ids only); the database's answered in the bot's own words, not a 500."""
    if isinstance(error, SQLAlchemyError):
        logger.error("the database failed under %s", what(body), exc_info=error)
        return app.answer_database_trouble(body)
    logger.error(
        "unhandled error for %s from team %s",
        body.get("type") or body.get("command") or "request",
        body.get("team_id") or (body.get("team") or {}).get("id"),
        exc_info=error,
    )
