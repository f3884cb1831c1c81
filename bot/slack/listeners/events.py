"""Messages people send the bot in its DM: each one becomes a topic."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext

from bot.domain.agenda import without_controls
from bot.services import away, leaving, people, workspaces
from bot.services.pairs import Actor
from bot.services.topics import DirectMessage, topic_from_dm
from bot.slack.deps import Deps
from bot.slack.text import from_slack

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        message = direct_message(event, body)
        if message is None:
            return
        topic_from_dm(deps.sessions, deps.clock(), message)

    @app.event("user_change")
    def on_user_change(event: dict[str, Any], body: dict[str, Any]) -> None:
        # A status saying holiday, vacation, sick… with an expiry counts as time away until it expires.
        user = event.get("user") or {}
        team = body.get("team_id") or user.get("team_id")
        if isinstance(user, dict) and user.get("id") and team:
            away.learn_status(deps.sessions, deps.clock(), team, str(user["id"]), user.get("profile") or {})
            people.learn_name(deps.sessions, team, str(user["id"]), user)
            # Deactivated, back again, a guest now, another zone (issue 15).
            leaving.user_changed(deps.sessions, deps.clock(), team, user)

    @app.event("app_uninstalled")
    @app.event("tokens_revoked")
    def on_workspace_left(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        # Nothing is sent there any more; its data goes after the operator's retention period (issue 15).
        kind = str(event.get("type"))
        if kind == "tokens_revoked" and not bot_tokens_revoked(event):
            return  # only people's own tokens: this app has none, and the bot stays
        team = body.get("team_id")
        if team:
            workspaces.workspace_left(deps.sessions, deps.clock(), str(team), kind)
        # Its tokens go with it (many workspaces): an org-wide installation's are the organisation's.
        workspaces.forget_installation(
            deps.installations,
            context.enterprise_id,
            None if context.is_enterprise_install else context.team_id,
            bot_only=kind == "tokens_revoked",
        )

    # Events we subscribe to but don't act on (Slack adds fields and types over time): a 200, so
    # Slack neither retries them nor counts them as failures against the app.
    @app.event(re.compile(".*"))
    def on_other_event(event: dict[str, Any]) -> None:
        logger.debug("ignoring a %s event", str(event.get("type"))[:64])


def bot_tokens_revoked(event: dict[str, Any]) -> bool:
    """A `tokens_revoked` event names the bot users whose tokens were revoked in `tokens.bot`."""
    tokens = event.get("tokens") or {}
    return isinstance(tokens, dict) and bool(tokens.get("bot"))


def direct_message(event: dict[str, Any], body: dict[str, Any]) -> DirectMessage | None:
    """A person's own new message in the bot's DM; None for edits, bots, files and other channels."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return None
    user, text, channel, ts = event.get("user"), event.get("text"), event.get("channel"), event.get("ts")
    team = body.get("team_id") or event.get("team")
    if not (user and text and without_controls(text).strip() and channel and ts and team):
        return None
    return DirectMessage(
        actor=Actor(team_id=team, user_id=user),
        text=from_slack(text),
        channel_id=channel,
        ts=ts,
        thread_ts=event.get("thread_ts"),
    )
