"""manifest.yml: valid for Slack (its manifest schema, tests/manifest/), and in agreement with the code.

Slack creates the app from the manifest; a shortcut, command or event the code handles but the manifest
lacks never reaches the app, and a Web API method whose scope is missing answers ``missing_scope``. So:
every shortcut callback id the app listens for is declared with its type, the slash command is the app's,
every event the app handles is subscribed, and the bot scopes cover every Web API method the bot calls
(found in bot/ by name, mapped to Slack's method through slack-sdk's WebClient).
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from slack_sdk import WebClient

from bot.slack import ids

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "tests" / "manifest" / "slack_app_manifest.schema.json"

# Each Web API method the bot may call and the bot scopes it needs, from the method's reference page
# (https://docs.slack.dev/reference/methods/<method>, "Required scopes"). A method the bot starts calling
# must be added here, with its scopes looked up: the test below fails until it is.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),  # "No scope required"
    "users.info": frozenset({"users:read"}),
    # Bot: any of channels:manage, groups:write, im:write, mpim:write, by what is opened; the bot opens
    # group DMs only (a DM goes to the person's user id: bot/delivery/slack_calls.py).
    "conversations.open": frozenset({"mpim:write"}),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),  # "No scope required"
    "views.open": frozenset(),  # views.*: "No scope required"
    "views.push": frozenset(),
    "views.update": frozenset(),
    "views.publish": frozenset(),
}
# Called with the app-level token (scope connections:write, set on the token, not in oauth_config).
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})

# The bot events the app may subscribe to and the scope each needs (https://docs.slack.dev/reference/events/
# <event>): message.im "im:history"; app_home_opened none ("Your Slack app must have a bot user");
# user_change "users:read".
EVENT_SCOPES: dict[str, frozenset[str]] = {
    "message.im": frozenset({"im:history"}),
    "app_home_opened": frozenset(),
    "user_change": frozenset({"users:read"}),
    # docs.slack.dev/reference/events/app_uninstalled and tokens_revoked: no scope needed.
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
}
# What Bolt's app.event("message") receives comes from the message.* subscriptions; the app acts on DMs.
EVENT_SUBSCRIPTIONS = {"message": {"message.im"}}


@cache
def _manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((REPO / "manifest.yml").read_text()))


def manifest() -> dict[str, Any]:
    return copy.deepcopy(_manifest())


def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA.read_text()))


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(schema())
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)
    )


def bot_sources() -> str:
    return "\n".join(path.read_text() for path in sorted((REPO / "bot").rglob("*.py")))


def web_client_methods() -> dict[str, str]:
    """slack-sdk's WebClient method name -> the Slack method it calls ("views_publish" -> "views.publish")."""
    found = {}
    for name, member in vars(WebClient).items():
        if callable(member) and not name.startswith("_"):
            called = re.search(r'api_call\(\s*"([\w.]+)"', inspect.getsource(member))
            if called:
                found[name] = called.group(1)
    return found


def methods_the_bot_calls() -> set[str]:
    source = bot_sources()
    by_name = web_client_methods()
    # Any use of the client's method, called or passed on (`_ask_slack(client.auth_test, …)`).
    called = {by_name[name] for name in re.findall(r"\.(\w+)\b", source) if name in by_name}
    return called | set(re.findall(r'api_call\(\s*"([\w.]+)"', source))


def events_the_app_handles() -> set[str]:
    return set(re.findall(r'\.event\(\s*"([\w.]+)"', bot_sources()))


def shortcut_ids() -> set[str]:
    """The shortcut callback ids in bot/slack/ids.py, and any other one a listener names itself."""
    declared = {value for name, value in vars(ids).items() if name.endswith("_SHORTCUT")}
    listened = re.findall(r'\.(?:global_|message_)?shortcut\(\s*"([\w.]+)"', bot_sources())
    return declared | set(listened)


# ---------------------------------------------------------------- valid for Slack


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft7Validator.check_schema(schema())


def test_manifest_validates_against_slacks_manifest_schema() -> None:
    assert schema_errors(manifest()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["features"]["shortcuts"][0].update(name="x" * 25), "features/shortcuts/0/name"),
        (lambda m: m["features"]["shortcuts"][0].update(type="channel"), "features/shortcuts/0/type"),
        (lambda m: m["features"]["shortcuts"][1].pop("description"), "features/shortcuts/1"),
        (lambda m: m["features"]["app_home"].update(home_tab=True), "features/app_home"),
        (lambda m: m["features"]["slash_commands"][0].update(command="1on1"), "features/slash_commands/0"),
        (lambda m: m["display_information"].update(background_color="#2c2d3"), "display_information"),
        (lambda m: m["settings"]["event_subscriptions"]["bot_events"].append("message.im"), "settings"),
        (lambda m: m.pop("display_information"), ""),
    ],
    ids=[
        "shortcut name over 24",
        "unknown shortcut type",
        "shortcut without description",
        "unknown app_home field",
        "command without slash",
        "bad colour",
        "event twice",
        "no display_information",
    ],
)
def test_the_schema_refuses_what_slack_refuses(change: Any, expected: str) -> None:
    broken = manifest()
    change(broken)

    errors = schema_errors(broken)

    assert errors and all(e.startswith(expected) for e in errors), errors


# ---------------------------------------------------------------- in agreement with the code


def test_the_home_tab_and_the_messages_tab_are_on() -> None:
    app_home = manifest()["features"]["app_home"]

    assert app_home == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,  # topics are typed in the DM
        "messages_tab_read_only_enabled": False,
    }


def test_every_shortcut_the_app_listens_for_is_declared_with_its_type() -> None:
    declared = {(s["callback_id"], s["type"]): s["name"] for s in manifest()["features"]["shortcuts"]}

    assert declared == {
        (ids.SCHEDULE_SHORTCUT, "global"): "Schedule a 1:1",
        (ids.ADD_TO_AGENDA_SHORTCUT, "message"): "Add to 1:1 agenda",
    }
    assert {callback_id for callback_id, _ in declared} == shortcut_ids()


def test_the_slash_command_is_the_apps() -> None:
    commands = manifest()["features"]["slash_commands"]

    assert [c["command"] for c in commands] == [ids.COMMAND]
    assert commands[0]["should_escape"] is True  # the app reads <@U…> mentions, not @names


def test_every_event_the_app_handles_is_subscribed() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    handled = events_the_app_handles()

    assert "message" in handled  # the scan finds the listeners
    missing = {e for e in handled if not (EVENT_SUBSCRIPTIONS.get(e, {e}) & subscribed)}
    assert missing == set()
    assert "app_home_opened" in subscribed  # the Home tab is drawn when it is opened


def test_every_subscribed_event_has_its_scope() -> None:
    subscribed = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])

    unknown = subscribed - set(EVENT_SCOPES)
    assert unknown == set(), f"look up the scope of {sorted(unknown)} and add it to EVENT_SCOPES"
    assert {e: EVENT_SCOPES[e] - scopes for e in subscribed} == {e: frozenset() for e in subscribed}


def test_the_bot_scopes_cover_every_web_api_method_the_bot_calls() -> None:
    called = methods_the_bot_calls()
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])

    assert {"chat.postMessage", "users.info"} <= called  # the scan finds the calls
    unknown = called - set(METHOD_SCOPES) - APP_TOKEN_METHODS
    assert unknown == set(), f"look up the scopes of {sorted(unknown)} and add them to METHOD_SCOPES"
    lacking = {m: sorted(METHOD_SCOPES[m] - scopes) for m in called - APP_TOKEN_METHODS}
    assert {m: s for m, s in lacking.items() if s} == {}


def test_shortcuts_and_the_command_have_the_commands_scope() -> None:
    # "commands": "Add shortcuts and/or slash commands that people can use" (the scope's reference).
    assert "commands" in manifest()["oauth_config"]["scopes"]["bot"]


def test_every_request_url_is_the_one_bolt_serves() -> None:
    m = manifest()
    urls = {
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in m["features"]["slash_commands"]),
    }

    assert urls == {"https://bot.example.com/slack/events"}  # Bolt's default path, for all three
    assert m["settings"]["interactivity"]["is_enabled"] is True  # buttons, modals, shortcuts
