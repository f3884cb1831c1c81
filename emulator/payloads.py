"""What Slack sends an app: the bodies of slash commands, interactions and events, as Slack builds them.

Payload shapes follow the slash-command, ``block_actions``, ``view_submission`` and Events API
``event_callback`` references. Text a person typed is sent escaped as Slack escapes it (:func:`slack_text`).
Each builder returns ``(body, content type)``; emulator/requests.py delivers them to the app.

Every request comes from a workspace (:class:`Origin`; ``TEAM_ID`` by default): its ids and domain, and on
Enterprise Grid its organization (slash commands' ``enterprise_id``/``enterprise_name``, interactions'
``enterprise`` and ``team.enterprise_id``, events' ``enterprise_id`` and ``authorizations``) and whether the
app is installed org-wide (``is_enterprise_install``).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from emulator.ids import APP_ID as API_APP_ID
from emulator.ids import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated field Slack still sends
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A made-up trigger id in Slack's documented shape ``"132456.7890123.abcdef"``, for a payload built
    without the emulator. No emulator issued it, so it opens no view: the senders (emulator/requests.py) ask
    the emulator for one instead (``SlackEmulator.new_trigger_id``)."""
    return f"{int(time.time() * 1000)}.{next(_counter)}.{secrets.token_hex(16)}"


def new_ts() -> str:
    """A unique message ts ("seconds.micros") near the current time."""
    micros = int(time.time() * 1_000_000) + next(_counter)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


# What the composer inserts as a token: a mention, a channel, `<!here>`-style specials, a link.
_COMPOSER_TOKEN = re.compile(
    r"<(@[UW][A-Z0-9]+|#C[A-Z0-9]+|!(?:here|channel|everyone)|!(?:subteam|date)\^[^<>|]*"
    r"|(?:https?://|mailto:)[^<>|\s]+)(?:\|([^<>]*))?>"
)


def slack_text(typed: str) -> str:
    """Text as Slack sends what a person typed in a command or message ("Formatting text for app surfaces").

    `&`, `<` and `>` arrive as `&amp;`, `&lt;`, `&gt;`. Tokens the composer inserts (`<@U123|name>`,
    `<#C123|name>`, `<!here>`, `<https://example.com|label>`) stay tokens, with `&` in them escaped: a
    test writes them the way the person picked them from Slack's menus. To send a literal `<@U123>` as
    typed characters, pass ``raw=True`` to the sender with text you escaped yourself.
    """
    parts: list[str] = []
    last = 0
    for match in _COMPOSER_TOKEN.finditer(typed):
        parts.append(_escape(typed[last : match.start()]))
        parts.append(match.group(0).replace("&", "&amp;"))
        last = match.end()
    parts.append(_escape(typed[last:]))
    return "".join(parts)


def meant_text(typed: str) -> str:
    """What a person who typed `typed` (tokens as in :func:`slack_text`) meant: the oracle for stored text.

    A person or channel stays an id, `<!here>` is the words "@here", a labelled link shows its address.
    """

    def meaning(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2) or ""
        if target[0] in "@#":
            return f"<{target}>"
        if target[0] == "!":
            return label or "@" + target[1:].split("^")[0]
        address = target.removeprefix("mailto:")
        return f"{label} ({address})" if label and label not in (target, address) else (label or target)

    return _COMPOSER_TOKEN.sub(meaning, typed)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _fake_response_url(team_id: str) -> str:
    return f"https://hooks.slack.com/commands/{team_id}/{next(_counter)}/{secrets.token_hex(12)}"


def _channel_name(channel_id: str) -> str:
    return {"D": "directmessage", "G": "privategroup"}.get(channel_id[:1], channel_id.lower())


@dataclass(frozen=True)
class Origin:
    """The workspace a request comes from, as the request carries it (emulator: ``request_origin``)."""

    team_id: str = TEAM_ID
    team_domain: str = TEAM_DOMAIN
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    is_enterprise_install: bool = False  # the app is installed org-wide in the workspace's organization
    bot_user_id: str = BOT_USER_ID  # the app's bot user there (events' authorizations)
    bot_id: str = BOT_ID

    def team(self) -> dict[str, Any]:
        """An interaction's ``team``: a Grid workspace names its organization too."""
        found: dict[str, Any] = {"id": self.team_id, "domain": self.team_domain}
        if self.enterprise_id:
            found.update(enterprise_id=self.enterprise_id, enterprise_name=self.enterprise_name)
        return found

    def enterprise(self) -> dict[str, Any] | None:
        return {"id": self.enterprise_id, "name": self.enterprise_name} if self.enterprise_id else None

    def interaction(self) -> dict[str, Any]:
        """The fields every interaction payload carries about where it comes from."""
        return {
            "team": self.team(),
            "enterprise": self.enterprise(),
            "is_enterprise_install": self.is_enterprise_install,
        }


def _origin(origin: Origin | None, team_id: str) -> Origin:
    return origin if origin is not None else Origin(team_id)


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def _form_payload(payload: dict[str, Any]) -> tuple[bytes, str]:
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def slash_command_body(
    text: str,
    user_id: str,
    team_id: str = TEAM_ID,
    command: str = "/1on1",
    channel_id: str = "D0BOTDM",
    response_url: str | None = None,
    trigger_id: str | None = None,
    *,
    user_name: str | None = None,
    channel_name: str | None = None,
    api_app_id: str = API_APP_ID,
    raw: bool = False,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """Form-encoded slash-command body. Pass ``emu.new_response_url()`` to capture replies.

    ``text`` is what the person typed; it is sent escaped as Slack does (:func:`slack_text`) unless ``raw``.
    ``origin`` (else ``team_id`` alone): the workspace; a Grid one adds ``enterprise_id`` and
    ``enterprise_name`` (slash commands reference).
    """
    o = _origin(origin, team_id)
    team_id = o.team_id
    grid = {"enterprise_id": o.enterprise_id, "enterprise_name": o.enterprise_name} if o.enterprise_id else {}
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": o.team_domain,
        **grid,
        "channel_id": channel_id,
        "channel_name": channel_name or _channel_name(channel_id),
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text if raw else slack_text(text),
        "api_app_id": api_app_id,
        "is_enterprise_install": "true" if o.is_enterprise_install else "false",
        "response_url": response_url or _fake_response_url(team_id),
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields).encode(), FORM


def block_actions_body(
    user_id: str,
    actions: list[dict[str, Any]],
    *,
    team_id: str = TEAM_ID,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    state: dict[str, Any] | None = None,
    api_app_id: str = API_APP_ID,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """``block_actions`` interaction (form field ``payload``) from a ``message`` or from a ``view``.

    Each action gets Slack's defaults for missing ``type`` ("button"), ``block_id`` and ``action_ts``.
    From a message: ``container`` ``{"type": "message", ...}``, the message, a ``response_url`` and the
    top-level ``state``. From a view (a modal or the Home tab): ``container`` ``{"type": "view",
    "view_id": ...}`` and the view with its ``state`` and ``hash``; no ``response_url``, no ``channel``
    and no top-level ``state`` (the block_actions reference; a Home-tab click Slack sent, as captured in a
    public project's fixture, carries none of the three).
    """
    o = _origin(origin, team_id)
    team_id = o.team_id
    now = f"{time.time():.6f}"
    full_actions = [
        {"type": "button", "block_id": f"b{i}", "action_ts": now, **a} for i, a in enumerate(actions)
    ]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        **o.interaction(),
        "actions": full_actions,
    }
    if view is not None:
        payload["view"] = _full_view(view, state or {}, o)
        payload["container"] = container or {"type": "view", "view_id": payload["view"]["id"]}
        return _form_payload(payload | _channel(channel_id))
    payload["state"] = {"values": state or {}}
    if message is not None:
        payload["container"] = container or {
            "type": "message",
            "message_ts": message.get("ts"),
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["message"] = message
        payload["response_url"] = response_url or _fake_response_url(team_id)
    else:
        payload["container"] = container or {}
    return _form_payload(payload | _channel(channel_id))


def _channel(channel_id: str | None) -> dict[str, Any]:
    return {} if channel_id is None else {"channel": {"id": channel_id, "name": _channel_name(channel_id)}}


def state_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Expand ``{block_id: {action_id: value}}`` into Slack's ``view.state.values`` shape.

    A value that is already a dict (with ``type``) is kept as is; a string or None becomes a
    ``plain_text_input`` state ``{"type": "plain_text_input", "value": ...}``.
    """
    return {
        block_id: {
            action_id: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
            for action_id, v in actions.items()
        }
        for block_id, actions in values.items()
    }


def _full_view(view: dict[str, Any], values: dict[str, dict[str, Any]], origin: Origin) -> dict[str, Any]:
    """`view` as Slack sends it back: the stored view's fields (defaults for those a test left out), with
    `values` as its state. A Home tab view has no title unless the app gave it one."""
    title = {"type": "plain_text", "text": "Modal"} if view.get("type", "modal") == "modal" else None
    return {
        "id": f"V{next(_counter):08d}",
        "team_id": origin.team_id,
        "type": "modal",
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": title,
        "close": None,
        "submit": None,
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": None,
        "root_view_id": None,
        "app_id": API_APP_ID,
        "app_installed_team_id": origin.team_id,
        "bot_id": origin.bot_id,
        **view,
        "state": {"values": state_values(values)},
    }


def view_submission_body(
    user_id: str,
    view: dict[str, Any],
    values: dict[str, dict[str, Any]],
    *,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    api_app_id: str = API_APP_ID,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """``view_submission`` interaction; ``values`` as for :func:`state_values`, filled into view.state."""
    o = _origin(origin, team_id)
    payload = {
        "type": "view_submission",
        "user": _user(user_id, o.team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": _full_view(view, values, o),
        "response_urls": response_urls or [],
        **o.interaction(),
    }
    return _form_payload(payload)


def shortcut_body(
    user_id: str,
    callback_id: str,
    *,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    api_app_id: str = API_APP_ID,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """A global shortcut (``type: "shortcut"``) as the shortcuts reference shows it: who, which, a trigger."""
    o = _origin(origin, team_id)
    payload = {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": o.team_id},
        "api_app_id": api_app_id,
        **o.interaction(),
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return _form_payload(payload)


def message_shortcut_body(
    user_id: str,
    callback_id: str,
    message: dict[str, Any],
    channel_id: str,
    *,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = API_APP_ID,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """A message shortcut (``type: "message_action"``) on ``message`` (as Slack stores it, text escaped) in
    ``channel_id``; the app need not be a member of that channel."""
    o = _origin(origin, team_id)
    team_id = o.team_id
    payload = {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id, "name": user_id.lower()},
        "channel": {"id": channel_id, "name": _channel_name(channel_id)},
        "api_app_id": api_app_id,
        **o.interaction(),
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or _fake_response_url(team_id),
        "message_ts": message.get("ts"),
        "message": message,
    }
    return _form_payload(payload)


def app_home_opened_event(
    user_id: str, channel: str, view: dict[str, Any] | None = None, *, tab: str = "home"
) -> dict[str, Any]:
    """``app_home_opened``: the person opened the app's App Home, on its ``tab`` ("home" or "messages");
    ``channel`` is their DM with the app. ``view`` is the Home tab's current view: Slack includes it only
    when the Home tab was opened and "has had a view published at least once before" (the event's
    reference, api.slack.com/events/app_home_opened). Sent "each time a user enters into the App Home".
    """
    if tab not in ("home", "messages"):
        raise ValueError(f"an App Home tab is 'home' or 'messages', not {tab!r}")
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel,
        "tab": tab,
        "event_ts": new_ts(),
    }
    if view is not None and tab == "home":
        event["view"] = view
    return event


def user_change_event(user: dict[str, Any]) -> dict[str, Any]:
    """``user_change``: a member's profile changed (their status, say); ``user`` is the whole user object,
    as users.info returns it (scope users:read)."""
    return {"type": "user_change", "user": user, "cache_ts": int(time.time()), "event_ts": new_ts()}


def event_body(
    event: dict[str, Any],
    event_id: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    *,
    event_time: int | None = None,
    origin: Origin | None = None,
) -> tuple[bytes, str]:
    """JSON ``event_callback`` envelope around ``event``, with its ``authorizations`` (the app's bot user in
    the workspace; for an org-wide install ``is_enterprise_install: true``) as the Events API sends them."""
    o = _origin(origin, team_id)
    team_id = o.team_id
    grid = {"enterprise_id": o.enterprise_id} if o.enterprise_id else {}
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        **grid,
        "context_team_id": team_id,
        "context_enterprise_id": o.enterprise_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": o.enterprise_id,
                "team_id": team_id,
                "user_id": o.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": o.is_enterprise_install,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }
    return json.dumps(envelope).encode(), JSON


def dm_message_event(
    user_id: str,
    text: str,
    channel: str = "D0BOTDM",
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    parent_user_id: str | None = None,
    raw: bool = False,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A ``message`` event a user (of the workspace ``team_id``) sent in their DM with the app
    (``channel_type: "im"``).

    ``text`` is what the person typed, escaped as Slack does (:func:`slack_text`) unless ``raw``.
    """
    ts = ts or new_ts()
    typed, text = text, text if raw else slack_text(text)
    event = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user_id,
        "ts": ts,
        "team": team_id,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "im",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": secrets.token_hex(3),
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": typed}]}],
            }
        ],
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    return event
