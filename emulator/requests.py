"""Slack's requests delivered to an app: signed and POSTed over HTTP (Socket Mode's way: socket_mode_app.py).

Signing (docs "Verifying requests from Slack"): ``X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret,
f"v0:{timestamp}:{body}"))`` with ``X-Slack-Request-Timestamp = timestamp``. The bodies themselves are built
by emulator/payloads.py, whose names this module also exports (tests know them by this module). It needs
neither the Web API emulator nor ``websockets``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol, Self

import httpx

from emulator.blocks import block_errors, view_errors
from emulator.payloads import (
    API_APP_ID,
    BOT_USER_ID,
    FORM,
    JSON,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    Origin,
    app_home_opened_event,
    block_actions_body,
    dm_message_event,
    event_body,
    meant_text,
    message_shortcut_body,
    new_trigger_id,
    new_ts,
    shortcut_body,
    slack_text,
    slash_command_body,
    state_values,
    user_change_event,
    view_submission_body,
)

__all__ = [
    "API_APP_ID",
    "BOT_USER_ID",
    "FORM",
    "JSON",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "VERIFICATION_TOKEN",
    "Origin",
    "SendOptions",
    "SlackRequests",
    "SlackSender",
    "SlackSide",
    "SlackWouldRefuse",
    "block_actions_body",
    "dm_message_event",
    "event_body",
    "meant_text",
    "message_shortcut_body",
    "new_trigger_id",
    "new_ts",
    "shortcut_body",
    "sign",
    "slack_text",
    "slash_command_body",
    "state_values",
    "view_submission_body",
]


class SlackWouldRefuse(AssertionError):
    """The app answered Slack with something Slack refuses (blocks or a view it would not show)."""


def sign(body: bytes, secret: str, timestamp: int) -> dict[str, str]:
    """Headers Slack sends with a request body signed by the app's signing secret."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class SendOptions:
    """How a request goes out, besides its body: Slack's retry marks, and (HTTP only) the signature's time
    (default now) and secret (default the app's)."""

    timestamp: int | None = None
    retry_num: int | None = None
    retry_reason: str | None = None
    secret: str | None = None

    @classmethod
    def taken_from(cls, kw: dict[str, Any]) -> SendOptions:
        """Take these keywords out of a builder's `kw`, leaving the payload's."""
        return cls(**{f.name: kw.pop(f.name) for f in fields(cls) if f.name in kw})


class SlackSide(Protocol):
    """Slack's side of a request (the emulator): issues the response URLs and trigger ids a request carries,
    shows what was posted to those URLs, knows the views it stores (a person's Home tab, their DM with the
    app) and does what an app's ack of a submission asks for."""

    def new_response_url(self) -> str: ...

    def new_trigger_id(self, user_id: str, view_id: str | None = None) -> str: ...

    def response_posts(self, url: str | None = None) -> list[Any]: ...

    def home_view(self, user_id: str) -> dict[str, Any] | None: ...

    def open_dm(self, user_id: str) -> str: ...

    def view_answered(self, view_id: str, ack: dict[str, Any] | None) -> None: ...

    def user_object(self, user_id: str) -> dict[str, Any]: ...


class SlackRequests:
    """What Slack sends an app, built by emulator/payloads.py's builders and delivered by a subclass's
    `send`: signed HTTP (:class:`SlackSender`) or Socket Mode (emulator.socket_mode_app.SocketModeSender).

    With ``responses`` (the emulator), commands and clicks carry response URLs it serves, and commands, clicks
    and submissions trigger ids it issued (a view opens with one within 3 s, once); a trigger_id passed
    explicitly was never issued, so it opens nothing. With ``settle`` too (waits until the app's after-ack
    work is done), a command answers with what the person finally sees: the ack, or the response_url post
    that replaced it.

    Requests come from the default workspace; ``team_id=`` on any of them, or a sender from
    :meth:`as_workspace`, sends them from another (with the emulator, with that workspace's domain,
    organization and install as it hosts them: see :class:`emulator.payloads.Origin`).
    """

    def __init__(
        self, *, responses: SlackSide | None = None, settle: Callable[[], object] | None = None
    ) -> None:
        self.responses = responses
        self.settle = settle
        self.origin: Origin | None = None  # None: the default workspace
        self._borrowed = False  # a twin from as_workspace: closing it leaves the shared connection open

    def as_workspace(self, team_id: str, **overrides: Any) -> Self:
        """A sender of the same requests from the workspace ``team_id``: its ids, domain and organization,
        and ``is_enterprise_install`` when the app is installed org-wide there (from the emulator, which
        must host it, unless ``overrides`` give :class:`Origin`'s fields). It shares this sender's
        connection; closing it does nothing."""
        twin = copy.copy(self)
        twin.origin = self._origin_of(team_id, **overrides)
        twin._borrowed = True
        return twin

    def _origin_of(self, team_id: str, **overrides: Any) -> Origin:
        lookup = getattr(self.responses, "request_origin", None)
        found = lookup(team_id) if lookup is not None else None
        # A team id the emulator doesn't host (or no emulator): only the id differs from the default's.
        return Origin(**{**(found or {"team_id": team_id}), **overrides})

    def _take_origin(self, kw: dict[str, Any]) -> Origin:
        """The workspace a request comes from: ``origin=``, ``team_id=``, or this sender's."""
        if "origin" in kw:
            return kw.pop("origin")
        team_id = kw.pop("team_id", None)
        if team_id is None or (self.origin is not None and self.origin.team_id == team_id):
            return self.origin or self._origin_of(TEAM_ID)
        return self._origin_of(team_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def post(self, body: bytes, content_type: str, **options: Any) -> Any:
        """Deliver a body built elsewhere; ``options`` are :class:`SendOptions`' fields."""
        return self.send(body, content_type, SendOptions(**options))

    def send(self, body: bytes, content_type: str, options: SendOptions) -> Any:
        raise NotImplementedError

    def replaced(self, response: Any, payload: dict[str, Any]) -> Any:
        """`response` read as if it had carried `payload` (the post that replaced the ack)."""
        raise NotImplementedError

    # Each builder takes the payload's keywords plus SendOptions', which `send` takes.

    def command(self, text: str, user_id: str, **kw: Any) -> Any:
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        self._issue_response_url(kw)
        self._issue_trigger_id(kw, user_id)
        response = self.send(*slash_command_body(text, user_id, origin=origin, **kw), options)
        return self._settled(response, kw.get("response_url"))

    def action(self, user_id: str, actions: list[dict[str, Any]], **kw: Any) -> Any:
        """A click in a ``message=`` (it comes with a response_url) or in a ``view=`` (a modal, or the Home
        tab: see :meth:`home_action`); its trigger id remembers the view, for ``views.push``."""
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        if kw.get("message") is not None:  # only a click in a message comes with a response_url
            self._issue_response_url(kw)
        view = kw.get("view")
        self._issue_trigger_id(kw, user_id, view.get("id") if isinstance(view, dict) else None)
        response = self.send(*block_actions_body(user_id, actions, origin=origin, **kw), options)
        self._settled(response, None)
        return response

    def home_action(self, user_id: str, actions: list[dict[str, Any]], **kw: Any) -> Any:
        """A click in ``user_id``'s Home tab, as Slack last showed it to them (the view the emulator stored
        from views.publish); fails when nothing was published to them yet."""
        view = self.responses.home_view(user_id) if self.responses is not None else None
        if view is None:
            raise AssertionError(f"{user_id} has no Home tab to click in: nothing was published to them")
        return self.action(user_id, actions, view=view, **kw)

    def submit(self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]], **kw: Any) -> Any:
        """Submit `view` with `values`; Slack then does what the app's ack asks (closes the view, updates
        it, pushes another, or shows errors and keeps it: ``SlackSide.view_answered``)."""
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        self._issue_trigger_id(kw, user_id)
        response = self.send(*view_submission_body(user_id, view, values, origin=origin, **kw), options)
        self._check_ack(response)
        # Slack acts on the ack before the app's after-ack work runs (a late views.update finds it closed).
        if self.responses is not None and view.get("id") and response.status_code == 200:
            self.responses.view_answered(str(view["id"]), self._ack_body(response))
        return self._settled(response, None)

    def shortcut(self, user_id: str, callback_id: str, **kw: Any) -> Any:
        """A global shortcut picked from Slack's shortcut menu (it carries a trigger id, no response_url)."""
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        self._issue_trigger_id(kw, user_id)
        body = shortcut_body(user_id, callback_id, origin=origin, **kw)
        return self._settled(self.send(*body, options), None)

    def message_shortcut(
        self, user_id: str, callback_id: str, message: dict[str, Any], channel_id: str, **kw: Any
    ) -> Any:
        """A message shortcut on `message` (as Slack stores it) in `channel_id`."""
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        self._issue_response_url(kw)
        self._issue_trigger_id(kw, user_id)
        body = message_shortcut_body(user_id, callback_id, message, channel_id, origin=origin, **kw)
        return self._settled(self.send(*body, options), None)

    def home_opened(
        self,
        user_id: str,
        channel: str | None = None,
        view: dict[str, Any] | None = None,
        *,
        tab: str = "home",
        **kw: Any,
    ) -> Any:
        """``user_id`` opens the app's App Home on its ``tab``, as Slack tells the app every time.

        With the emulator, ``channel`` defaults to the person's DM with the app and ``view`` to the Home tab
        the emulator last stored for them (Slack includes it once one was published); pass either to
        send something else.
        """
        options = SendOptions.taken_from(kw)
        if self.responses is not None:
            channel = channel or self.responses.open_dm(user_id)
            view = view if view is not None else self.responses.home_view(user_id)
        if channel is None:
            raise TypeError("without an emulator, home_opened needs the channel: the DM with the app")
        event = app_home_opened_event(user_id, channel, view, tab=tab)
        origin = self._take_origin(kw)
        return self._settled(self.send(*event_body(event, origin=origin, **kw), options), None)

    def event(self, event: dict[str, Any], **kw: Any) -> Any:
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        return self._settled(self.send(*event_body(event, origin=origin, **kw), options), None)

    def user_changed(self, user_id: str, user: dict[str, Any] | None = None, **kw: Any) -> Any:
        """A ``user_change`` event for ``user_id``: with the emulator, the user as it stores them now (set
        their status first with ``emulator.set_status``); pass ``user`` to send something else."""
        options = SendOptions.taken_from(kw)
        if user is None:
            if self.responses is None:
                raise TypeError("without an emulator, user_changed needs the user object")
            user = self.responses.user_object(user_id)
        origin = self._take_origin(kw)
        body = event_body(user_change_event(user), origin=origin, **kw)
        return self._settled(self.send(*body, options), None)

    def dm(self, user_id: str, text: str, **kw: Any) -> Any:
        """Shortcut: a DM ``message`` event (kwargs go to :func:`dm_message_event`)."""
        options = SendOptions.taken_from(kw)
        origin = self._take_origin(kw)
        event = dm_message_event(user_id, text, team_id=origin.team_id, **kw)
        return self._settled(self.send(*event_body(event, origin=origin), options), None)

    def _issue_response_url(self, kw: dict[str, Any]) -> None:
        if self.responses is not None and kw.get("response_url") is None:
            kw["response_url"] = self.responses.new_response_url()

    def _issue_trigger_id(self, kw: dict[str, Any], user_id: str, view_id: str | None = None) -> None:
        if self.responses is not None and kw.get("trigger_id") is None:
            kw["trigger_id"] = self.responses.new_trigger_id(user_id, view_id)

    @staticmethod
    def _ack_body(response: Any) -> dict[str, Any] | None:
        """The JSON object an ack carried; None for an empty or plain-text ack."""
        if response.status_code != 200 or not response.content:
            return None
        try:
            body = response.json()
        except ValueError:
            return None  # a plain-text ack
        return body if isinstance(body, dict) else None

    @classmethod
    def _check_ack(cls, response: Any) -> None:
        """An ack's blocks (a command's reply) or view (a submission's "update"/"push") are checked as Slack
        checks them: Slack shows the person an error instead of a reply it would refuse."""
        body = cls._ack_body(response)
        if body is None:
            return
        problems = block_errors(body["blocks"]) if isinstance(body.get("blocks"), list) else []
        if isinstance(body.get("view"), dict):
            problems += view_errors(body["view"])
        if problems:
            raise SlackWouldRefuse(f"Slack would refuse this ack: {problems}")

    def _settled(self, response: Any, response_url: str | None) -> Any:
        self._check_ack(response)
        if self.settle is None:
            return response
        self.settle()
        if self.responses is None or response_url is None or response.status_code != 200:
            return response
        posts = self.responses.response_posts(response_url)
        replacements = [p for p in posts if p.payload.get("replace_original")]
        return self.replaced(response, replacements[-1].payload) if replacements else response


class SlackSender(SlackRequests):
    """Posts signed Slack requests to ``{base_url}/slack/events`` of the app under test."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        *,
        responses: SlackSide | None = None,
        settle: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(responses=responses, settle=settle)
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/slack/events"
        self.secret = secret
        self.clock = clock
        self.client = httpx.Client(timeout=timeout)

    def close(self) -> None:
        if not self._borrowed:
            self.client.close()

    def send(self, body: bytes, content_type: str, options: SendOptions) -> httpx.Response:
        """Sign ``body`` (with the options' secret, or the app's) at their timestamp (or now) and POST it."""
        ts = int(self.clock()) if options.timestamp is None else options.timestamp
        headers = {"Content-Type": content_type, **sign(body, options.secret or self.secret, ts)}
        if options.retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(options.retry_num)
        if options.retry_reason is not None:
            headers["X-Slack-Retry-Reason"] = options.retry_reason
        return self.client.post(self.url, content=body, headers=headers)

    def replaced(self, response: httpx.Response, payload: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json=payload, request=response.request)
