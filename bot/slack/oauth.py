"""Installing the app in many workspaces (issue 16): Bolt's OAuth flow at /slack/install and
/slack/oauth_redirect, installations in our database (bot/store/installations.py), and each request
authorised with the token of the workspace (or Grid organisation) it came from.

The pages the installer's browser ends on are in our own words: what is installed where and what to do
next, or what went wrong and how to start again.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.slack.scopes import BOT_SCOPES
from bot.store.installations import SignedStateStore, installation_store

logger = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
# With token rotation on (manifest: token_rotation_enabled), a bot token lives 12 hours; a request refreshes
# it once less than this is left (Bolt's default), so the work after the ack never meets an expired token,
# and a workspace's token is refreshed about twice a day, not on every request.
TOKEN_ROTATION_MINUTES = 120
CACHED_TOKENS = 10_000  # a few per installed workspace
AUTHORIZE_ERROR = (
    "The 1:1 bot is not installed in this workspace any more. An admin can install it again from the "
    "bot's install link (/slack/install)."
)


def authorization_url(settings: Settings) -> str:
    """Where the installer is sent to approve: Slack's page, or the one of the Slack SLACK_API_URL points at
    (an emulator serves `{base}/oauth/v2/authorize` beside its `{base}/api/`)."""
    if not settings.slack_api_url:
        return SLACK_AUTHORIZE_URL
    base = settings.slack_api_url.rstrip("/").removesuffix("/api")
    return f"{base}/oauth/v2/authorize"


def oauth_settings(settings: Settings, engine: Engine, client: WebClient) -> OAuthSettings:
    """Bolt's OAuth settings: our stores, the manifest's scopes, our pages; `client` (the app's, pointed at
    SLACK_API_URL) also refreshes rotating tokens."""
    client_id, client_secret = settings.client_id or "", settings.client_secret or ""
    store = installation_store(client_id, settings.token_keys, engine)
    oauth = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        # Straight on to Slack's approval page (with the state cookie), not a page with a button first.
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=CallbackOptions(success=_installed, failure=_not_installed),
        authorization_url=authorization_url(settings),
        installation_store=store,
        installation_store_bot_only=True,  # the app asks for no user scopes: a bot token is all it has
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        state_store=SignedStateStore(settings.state_secret or "", engine),
        logger=logger,
    )
    authorize = InstallationStoreAuthorize(
        logger=logger,
        installation_store=store,
        client_id=client_id,
        client_secret=client_secret,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        bot_only=True,
        # Bolt checks a found token with auth.test; remembered per token, that is once per token and
        # process, not a Slack call before every acknowledgement. A new (rotated, reinstalled) token is
        # checked again; an uninstalled workspace's token is no longer found at all.
        cache_enabled=True,
        client=client,  # rotation's oauth.v2.access goes where the app's calls go
    )
    authorize.authorize_result_cache = _Latest()
    oauth.authorize = authorize  # in place of the one OAuthSettings made: ours has the client, the cache
    return oauth


class _Latest(OrderedDict[str, Any]):
    """Bolt's auth.test answers by token, the latest CACHED_TOKENS only: rotating tokens change twice a day,
    and a process lives for months."""

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        while len(self) > CACHED_TOKENS:
            self.popitem(last=False)


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "your workspace"
    if installation.is_enterprise_install:
        where = f"{installation.enterprise_name or 'your organisation'} (every workspace of the organisation)"
    logger.info(
        "installed in team %s (enterprise %s%s)",
        installation.team_id,
        installation.enterprise_id,
        ", org-wide" if installation.is_enterprise_install else "",
    )
    body = (
        f"<h1>The 1:1 bot is installed in {html.escape(where)}</h1>"
        "<p>What to do next: in Slack, type <code>/1on1 help</code> in any conversation to see what it does, "
        "or <code>/1on1 schedule</code> to set up a recurring 1:1. Open the bot's <b>Home</b> tab "
        "(under Apps) to see your 1:1s.</p>"
        "<p>You can close this page.</p>"
    )
    return _page(200, "Installed", body, args.settings)


_WHY = {
    "access_denied": "The installation was cancelled on Slack's page, so nothing was installed.",
    "invalid_browser": (
        "This install link has expired, was already used, or was opened in another browser than the one "
        "that started it."
    ),
    "invalid_state": "This install link has expired or was already used.",
    "missing_code": "Slack did not say that the installation was approved.",
    "invalid_code": "Slack did not confirm the installation (the approval had expired or was already used).",
    "storage_error": "Slack approved the installation, but the bot could not save it.",
}


def _not_installed(args: FailureArgs) -> BoltResponse:
    logger.warning("an installation failed: %s", args.reason[:64])
    why = _WHY.get(args.reason) or f"Slack answered: {args.reason[:64]}."
    body = (
        "<h1>The 1:1 bot was not installed</h1>"
        f"<p>{html.escape(why)}</p>"
        f'<p>To try again, start over at <a href="{INSTALL_PATH}">{INSTALL_PATH}</a>.</p>'
    )
    return _page(args.suggested_status_code, "Not installed", body, args.settings)


def _page(status: int, title: str, body: str, oauth: OAuthSettings) -> BoltResponse:
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>1:1 bot: {title}</title></head><body>{body}</body></html>"
    )
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        # The state cookie has served its one use either way (as Bolt's own pages do).
        "Set-Cookie": oauth.state_utils.build_set_cookie_for_deletion(),
    }
    return BoltResponse(status=status, body=page, headers=headers)
