"""The app's installations as Slack keeps them: bot tokens, each for a workspace or an organization, and the
refresh tokens of rotating ones.

Every Web API call with a bot token is answered as what the token reaches (emulator/workspace.py). A token
is ``BOT_TOKEN`` (the default workspace's, never expiring), one a test added (:meth:`Installs.add_bot_token`)
or one the OAuth flow issued (emulator/methods/oauth.py).

Token rotation ("Using token rotation", docs.slack.dev/authentication/using-token-rotation): with it on, an
install answers an expiring access token ``xoxe.xoxb-1-…`` ("it expires every 12 hours": ``token_lifetime``
43200 s, by the emulator's clock) and a refresh token ``xoxe-1-…``; ``oauth.v2.access`` with
``grant_type=refresh_token`` exchanges the refresh token, once, for a new pair. An access token past its
expiry answers ``token_expired``; a revoked one (the workspace uninstalled the app) ``token_revoked``.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, replace
from typing import Any

from emulator.ids import BOT_TOKEN, TEAM_ID
from emulator.teams import Grant, Team
from emulator.workspace import Workspace, fail

DEFAULT_TOKEN_LIFETIME = 12 * 60 * 60  # "With token rotation, it expires every 12 hours"
DEFAULT_SCOPE = "commands,chat:write,im:write,im:history,users:read"


@dataclass
class Refresh:
    """A refresh token: the installation it renews, until it is used once."""

    grant: Grant
    used: bool = False


def _alnum(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def _digits(length: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(length))


def new_bot_token(*, rotating: bool = False) -> str:
    """A bot token in Slack's shapes: ``xoxb-<digits>-<digits>-<secret>``, or ``xoxe.xoxb-1-…`` rotating."""
    if rotating:
        return f"xoxe.xoxb-1-{_alnum(64)}"
    return f"xoxb-{_digits(11)}-{_digits(13)}-{_alnum(24)}"


class Installs(Workspace):
    """Bot tokens and what each reaches; ``revoke_bot_token``; the refresh tokens of rotating ones."""

    def _reset_installs(self) -> None:
        self._grants: dict[str, Grant] = {BOT_TOKEN: Grant(BOT_TOKEN, TEAM_ID, None, scope=DEFAULT_SCOPE)}
        self._refreshes: dict[str, Refresh] = {}
        self.token_rotation = False  # installs answer rotating tokens (the app's "Token Rotation" setting)
        self.token_lifetime = DEFAULT_TOKEN_LIFETIME  # seconds a rotating access token works

    # ------------------------------------------------------------------ test set-up helpers
    def add_bot_token(
        self,
        team_id: str,
        token: str | None = None,
        *,
        org_wide: bool = False,
        expires_in: float | None = None,
    ) -> str:
        """A bot token for the workspace ``team_id`` (a fresh ``xoxb-…`` when None), as if the app were
        installed there; with ``org_wide``, for every workspace of its organization. ``expires_in``: seconds
        (emulator clock) until it answers ``token_expired``."""
        team = self.workspace(team_id)
        if org_wide and team.enterprise_id is None:
            raise ValueError(f"{team_id} belongs to no organization: an org-wide install needs one")
        token = token or new_bot_token(rotating=expires_in is not None)
        with self._cond:
            expires_at = None if expires_in is None else self.clock() + expires_in
            self._grants[token] = self._grant_for(team, org_wide, token, DEFAULT_SCOPE, expires_at)
        return token

    def revoke_bot_token(self, team_id: str = TEAM_ID, *, token: str | None = None) -> None:
        """The workspace ``team_id`` uninstalled the app (or revoked its token): from now on every call with
        one of its bot tokens answers ``token_revoked`` ("Authentication token is for a deleted user or
        workspace or the app has been removed"), as Slack does; an organization's id revokes its org-wide
        install. ``token``: that token only. Calls are still recorded, so a test sees any the app makes.
        The app-level token (Socket Mode) keeps working: it belongs to the app, not to a workspace."""
        with self._cond:
            for grant in self._grants.values():
                if token is not None:
                    grant.revoked = grant.revoked or grant.token == token
                elif grant.team_id == team_id or (grant.team_id is None and grant.enterprise_id == team_id):
                    grant.revoked = True

    # ------------------------------------------------------------------ inspection
    @property
    def valid_tokens(self) -> set[str]:
        """The bot tokens that work now (not revoked, not expired)."""
        with self._cond:
            now = self.clock()
            return {t for t, g in self._grants.items() if not g.revoked and (g.expires_at or now + 1) > now}

    def grant(self, token: str) -> Grant | None:
        """What the emulator knows of a bot token: whom it reaches, until when (None: never issued)."""
        with self._cond:
            found = self._grants.get(token)
            return replace(found) if found else None

    def request_origin(self, team_id: str) -> dict[str, Any] | None:
        """What Slack's requests from the workspace ``team_id`` carry about it (emulator/requests.py): its
        domain, organization, whether the app is installed org-wide there, the app's bot user. None for a
        workspace the emulator does not host."""
        with self._cond:
            team = self._teams.get(team_id)
            if team is None:
                return None
            org_wide = any(
                g.team_id is None and g.enterprise_id == team.enterprise_id and not g.revoked
                for g in self._grants.values()
            )
        return {
            "team_id": team.id,
            "team_domain": team.domain,
            "enterprise_id": team.enterprise_id,
            "enterprise_name": team.enterprise_name,
            "is_enterprise_install": org_wide,
            "bot_user_id": team.bot_user_id,
            "bot_id": team.bot_id,
        }

    # ------------------------------------------------------------------ for the server and oauth.v2.access
    def _grant_of(self, token: str) -> Grant:
        """The live grant of a bot token, or Slack's answer for it."""
        grant = self._grants.get(token)
        if grant is None:
            raise fail("invalid_auth")
        if grant.revoked:
            raise fail("token_revoked")
        if grant.expires_at is not None and self.clock() >= grant.expires_at:
            raise fail("token_expired")
        return grant

    def _grant_for(
        self, team: Team, org_wide: bool, token: str, scope: str, expires_at: float | None
    ) -> Grant:
        if org_wide:
            return Grant(token, None, team.enterprise_id, True, scope, expires_at)
        return Grant(token, team.id, team.enterprise_id, False, scope, expires_at)

    def _install(self, team: Team, org_wide: bool, scope: str) -> tuple[Grant, str | None]:
        """Issue a bot token for an approved install (rotating, with its refresh token, when
        ``token_rotation`` is on)."""
        rotating = self.token_rotation
        expires_at = self.clock() + self.token_lifetime if rotating else None
        grant = self._grant_for(team, org_wide, new_bot_token(rotating=rotating), scope, expires_at)
        self._grants[grant.token] = grant
        return grant, self._new_refresh(grant) if rotating else None

    def _refreshed(self, refresh_token: str) -> tuple[Grant, str]:
        """Exchange a refresh token for a new access token and refresh token; the used one is spent. The old
        access token works until it expires, as Slack's does."""
        found = self._refreshes.get(refresh_token)
        if found is None or found.used or found.grant.revoked:
            raise fail("invalid_refresh_token")
        found.used = True
        grant = self._rotating_copy(found.grant)
        return grant, self._new_refresh(grant)

    def _rotating_copy(self, grant: Grant) -> Grant:
        """A new expiring access token reaching what ``grant`` reaches."""
        expires_at = self.clock() + self.token_lifetime
        fresh = replace(grant, token=new_bot_token(rotating=True), expires_at=expires_at)
        self._grants[fresh.token] = fresh
        return fresh

    def _new_refresh(self, grant: Grant) -> str:
        token = f"xoxe-1-{_alnum(64)}"
        self._refreshes[token] = Refresh(grant)
        return token
