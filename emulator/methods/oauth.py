"""Installing the app with OAuth v2, Slack's side: the consent page (``GET /oauth/v2/authorize``) and
``oauth.v2.access``, which exchanges its code (or a refresh token) for a bot token.

Sources: docs.slack.dev "Installing with OAuth", the oauth.v2.access reference, "Using token rotation" and
"Enterprise Grid: organization-wide apps" (api.slack.com/enterprise/apps/reference). What they say:

* The app sends the person to ``/oauth/v2/authorize?client_id&scope&user_scope&state&redirect_uri[&team]``.
  Once they approve, Slack redirects to ``redirect_uri?code=…&state=…`` (``?error=access_denied&state=…``
  when they cancel). The emulator's browser has one person signed in (:meth:`OAuthMethods.sign_in`), who
  approves (or cancels) at once. Without a ``redirect_uri`` the app's configured Redirect URL is used
  (``redirect_urls``; when set, a given one must start with one of them).
* ``oauth.v2.access`` takes ``client_id``/``client_secret`` as HTTP Basic auth ("If possible, avoid
  sending client_id and client_secret as parameters") or as form fields, and ``code``, ``redirect_uri``
  ("This must match the originally submitted URI (if one was sent)"), ``grant_type`` and
  ``refresh_token``. Its errors: ``invalid_client_id``, ``bad_client_secret``, ``invalid_code``,
  ``bad_redirect_uri``, ``invalid_grant_type``, ``invalid_refresh_token``, and
  ``oauth_authorization_url_mismatch`` ("The OAuth flow was initiated on an incorrect version of the
  authorization url. The flow must be initiated via /oauth/v2/authorize").
* The answer: ``access_token`` (the bot token), ``token_type: "bot"``, ``scope``, ``bot_user_id``,
  ``app_id``, ``team {id, name}``, ``enterprise {id, name}`` or null, ``authed_user {id, scope?,
  access_token?, token_type?}``, ``is_enterprise_install``; with token rotation ``refresh_token`` and
  ``expires_in``. An org-wide install answers ``team: null`` and the organization as ``enterprise``.

``oauth.v2.exchange`` (its reference) turns a non-expiring bot token into a rotating pair once the app has
token rotation on: errors ``invalid_client_id``, ``bad_client_secret``, ``invalid_token``,
``token_already_exchanged``, ``token_rotation_not_enabled``. GUESS: the exchanged token keeps working (Slack
documents no answer for it), and the answer is a refresh's.

GUESSes: a code is good for 10 minutes (the OAuth spec's "maximum ... of 10 minutes", by the emulator's
clock) and once; a used or expired code answers ``invalid_code``, as an unknown one. Missing client
credentials answer ``invalid_client_id``. A user token (``authed_user.access_token``, when ``user_scope`` was
asked) is issued but not accepted by the emulated methods (the bot uses none).
"""

from __future__ import annotations

import base64
import binascii
import html
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from emulator.ids import APP_ID, CLIENT_ID, CLIENT_SECRET
from emulator.installs import Installs, _alnum, _digits
from emulator.teams import Grant
from emulator.workspace import fail

CODE_TTL = 10 * 60
AUTHORIZE_V2 = "/oauth/v2/authorize"
AUTHORIZE_V1 = "/oauth/authorize"  # classic apps' page; its codes don't work with oauth.v2.access
_AUTHORIZE_PARAMS = ("client_id", "scope", "user_scope", "state", "redirect_uri", "team")


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in to the emulator's browser, and what they do on the consent page."""

    user_id: str
    team_id: str
    org_wide: bool
    approve: bool


@dataclass
class IssuedCode:
    team_id: str
    user_id: str
    org_wide: bool
    scope: str
    user_scope: str
    redirect_uri: str
    issued: float
    v1: bool
    used: bool = False


def basic_credentials(header: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic …`` header, None for anything else."""
    if not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[len("Basic ") :].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


def _page(status: int, title: str, detail: str) -> tuple[int, str, dict[str, str]]:
    body = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
    return status, body + f"<p>{html.escape(detail)}</p>", {"Content-Type": "text/html; charset=utf-8"}


def _with_query(url: str, fields: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(fields)


class OAuthMethods(Installs):
    """The consent page and ``oauth.v2.access``; ``sign_in`` says who approves, ``authorizations`` what."""

    _basic_auth: tuple[str, str] | None  # the call's HTTP Basic credentials (emulator/server.py)

    def _reset_oauth(self) -> None:
        self._signed_in: SignedIn | None = None
        self._codes: dict[str, IssuedCode] = {}
        self._authorizations: list[dict[str, Any]] = []
        self._exchanged: set[str] = set()  # tokens oauth.v2.exchange turned into rotating ones
        self._basic_auth = None
        self.redirect_urls: list[str] = []  # the app's configured Redirect URLs ("OAuth & Permissions")

    # ------------------------------------------------------------------ test set-up helpers
    def sign_in(self, user_id: str, team_id: str, *, org_wide: bool = False, approve: bool = True) -> None:
        """``user_id`` of the workspace ``team_id`` is signed in to the browser that opens the consent page,
        and approves the install at once (``approve=False``: cancels it); ``org_wide``: for their whole
        organization (an admin's choice on Enterprise Grid)."""
        team = self.workspace(team_id)
        if org_wide and team.enterprise_id is None:
            raise ValueError(f"{team_id} belongs to no organization: an org-wide install needs one")
        with self._cond:
            rec = self._users.get(user_id)
            if rec is None or rec["team_id"] != team_id:
                raise KeyError(f"{user_id!r} is no member of {team_id}; add_user(..., team_id=) first")
            self._signed_in = SignedIn(user_id, team_id, org_wide, approve)

    def authorizations(self) -> list[dict[str, Any]]:
        """Every visit to the consent page: its query (client_id, scope, user_scope, state, redirect_uri,
        team), who was signed in (user_id, team_id) and the outcome ("code", "access_denied", "sign_in" or
        an error page's code)."""
        with self._cond:
            return [dict(a) for a in self._authorizations]

    # ------------------------------------------------------------------ the consent page
    def _authorize_page(self, path: str, query: str) -> tuple[int, str, dict[str, str]]:
        """``GET /oauth/v2/authorize``: Slack's consent page, approved (or not) by whoever is signed in."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._cond:
            who = self._signed_in
            record: dict[str, Any] = {k: params.get(k) for k in _AUTHORIZE_PARAMS}
            record.update(user_id=who.user_id if who else None, team_id=who.team_id if who else None)
            status, body, headers = self._consent(params, who, v1=path == AUTHORIZE_V1)
            record["outcome"] = headers.pop("X-Outcome")
            self._authorizations.append(record)
            self._cond.notify_all()
        return status, body, headers

    def _consent(
        self, params: dict[str, str], who: SignedIn | None, *, v1: bool
    ) -> tuple[int, str, dict[str, str]]:
        def page(status: int, outcome: str, title: str, detail: str) -> tuple[int, str, dict[str, str]]:
            status, body, headers = _page(status, title, detail)
            return status, body, {**headers, "X-Outcome": outcome}

        if params.get("client_id") != CLIENT_ID:
            return page(400, "invalid_client_id", "Something went wrong", "Invalid client_id parameter")
        redirect_uri = params.get("redirect_uri") or (self.redirect_urls[0] if self.redirect_urls else "")
        if not redirect_uri:
            return page(400, "no_redirect_uri", "Something went wrong", "No redirect_uri, none configured")
        if self.redirect_urls and not any(redirect_uri.startswith(url) for url in self.redirect_urls):
            return page(400, "bad_redirect_uri", "Something went wrong", "redirect_uri did not match")
        if who is None or params.get("team") not in (None, "", who.team_id):
            # Slack asks the person to sign in (to the workspace ``team`` asked for, if any).
            return page(200, "sign_in", "Sign in to Slack", "emulator: sign_in() someone of that workspace")
        state = {"state": params["state"]} if "state" in params else {}
        if not who.approve:
            return 302, "", {"Location": _with_query(redirect_uri, {"error": "access_denied", **state}),
                             "X-Outcome": "access_denied"}  # fmt: skip
        code = f"{_digits(10)}.{_digits(13)}.{secrets.token_hex(32)}"
        self._codes[code] = IssuedCode(
            who.team_id,
            who.user_id,
            who.org_wide,
            params.get("scope", ""),
            params.get("user_scope", ""),
            redirect_uri,
            self.clock(),
            v1,
        )
        return 302, "", {"Location": _with_query(redirect_uri, {"code": code, **state}), "X-Outcome": "code"}

    # ------------------------------------------------------------------ oauth.v2.access
    def _check_client(self, args: dict[str, Any]) -> None:
        client_id, client_secret = self._basic_auth or (args.get("client_id"), args.get("client_secret"))
        if client_id != CLIENT_ID:
            raise fail("invalid_client_id")
        if client_secret != CLIENT_SECRET:
            raise fail("bad_client_secret")

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_client(args)
        grant_type = args.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            grant, refresh = self._refreshed(str(args.get("refresh_token") or ""))
            expires_in = self._expires_in(grant)
            return {**self._token_answer(grant), "refresh_token": refresh, "expires_in": expires_in}
        if grant_type != "authorization_code":
            raise fail("invalid_grant_type")
        return self._exchange_code(args)

    def _oauth_v2_exchange(self, args: dict[str, Any]) -> dict[str, Any]:
        self._check_client(args)
        if not self.token_rotation:
            raise fail("token_rotation_not_enabled")
        old = self._grants.get(str(args.get("token") or ""))
        if old is None or old.revoked:
            raise fail("invalid_token")
        if old.expires_at is not None or old.token in self._exchanged:
            raise fail("token_already_exchanged")
        self._exchanged.add(old.token)
        grant = self._rotating_copy(old)
        refresh = self._new_refresh(grant)
        return {**self._token_answer(grant), "refresh_token": refresh, "expires_in": self._expires_in(grant)}

    def _exchange_code(self, args: dict[str, Any]) -> dict[str, Any]:
        issued = self._codes.get(str(args.get("code") or ""))
        if issued is None or issued.used or self.clock() - issued.issued > CODE_TTL:
            raise fail("invalid_code")
        if issued.v1:
            raise fail("oauth_authorization_url_mismatch")
        if args.get("redirect_uri") and args["redirect_uri"] != issued.redirect_uri:
            raise fail("bad_redirect_uri")
        issued.used = True
        team = self._teams[issued.team_id]
        grant, refresh = self._install(team, issued.org_wide, issued.scope)
        answer = {**self._token_answer(grant), "authed_user": self._authed_user(issued)}
        if refresh is not None:
            answer.update(refresh_token=refresh, expires_in=self._expires_in(grant))
        return answer

    def _token_answer(self, grant: Grant) -> dict[str, Any]:
        """The fields an install and a refresh share, in the reference's order."""
        team = self._grant_team(grant)
        enterprise = {"id": team.enterprise_id, "name": team.enterprise_name} if team.enterprise_id else None
        return {
            "access_token": grant.token,
            "token_type": "bot",
            "scope": grant.scope,
            "bot_user_id": team.bot_user_id,
            "app_id": APP_ID,
            "team": None if grant.is_enterprise_install else {"id": team.id, "name": team.name},
            "enterprise": enterprise,
            "is_enterprise_install": grant.is_enterprise_install,
        }

    def _expires_in(self, grant: Grant) -> int:
        return int((grant.expires_at or self.clock()) - self.clock())

    @staticmethod
    def _authed_user(issued: IssuedCode) -> dict[str, Any]:
        if not issued.user_scope:
            return {"id": issued.user_id}
        return {
            "id": issued.user_id,
            "scope": issued.user_scope,
            "access_token": f"xoxp-{_digits(11)}-{_digits(11)}-{_digits(13)}-{_alnum(32)}",
            "token_type": "user",
        }
