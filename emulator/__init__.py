"""Slack's side, emulated: the Web API, Socket Mode, and the requests Slack sends an app.

Tests and benchmarks run the bot against it; ``python -m emulator`` serves it on its own (``--help``).

* :mod:`emulator.web_api`: :class:`SlackEmulator`, a real HTTP server for the Web API methods the bot
  calls, with the tokens it accepts (``BOT_TOKEN``, ``APP_TOKEN``) and the default workspace's ids; it hosts
  more workspaces (``add_workspace``, Enterprise Grid organizations too) and installs the app in them with
  OAuth v2 (``/oauth/v2/authorize``, ``oauth.v2.access``, token rotation; ``CLIENT_ID``, ``CLIENT_SECRET``).
  Its parts: :mod:`emulator.ids` (ids, tokens), :mod:`emulator.teams` and :mod:`emulator.workspace`
  (workspaces, members, conversations), :mod:`emulator.installs` (bot tokens), :mod:`emulator.server`
  (HTTP, recorded calls), :mod:`emulator.faults` (faults, rate limits) and :mod:`emulator.methods` (the Web
  API methods, OAuth among them).
* :mod:`emulator.socket_mode`: Slack's WebSocket end of Socket Mode (``emu.socket_mode``);
  :mod:`emulator.socket_mode_app` the app's end: a sender that delivers requests over it, and the bot
  under Bolt's Socket Mode handler.
* :mod:`emulator.payloads`: the slash commands, interactions and events Slack sends an app, and text escaped
  as Slack escapes what a person typed; :mod:`emulator.requests` signs them and POSTs them over HTTP
  (:class:`SlackSender`).

Nothing here imports the bot or the tests: this is Slack's side of the wire.
"""

from emulator.ids import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)
from emulator.payloads import Origin
from emulator.people import Person, add_people, people
from emulator.requests import SlackRequests, SlackSender, meant_text, sign, slack_text
from emulator.socket_mode import SocketModeServer
from emulator.socket_mode_app import AckResponse, SocketModeBot, SocketModeSender, envelope_of
from emulator.teams import Grant, Team
from emulator.web_api import Call, RateLimits, ResponsePost, SlackEmulator

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "AckResponse",
    "Call",
    "Grant",
    "Origin",
    "Person",
    "RateLimits",
    "ResponsePost",
    "SlackEmulator",
    "SlackRequests",
    "SlackSender",
    "SocketModeBot",
    "SocketModeSender",
    "SocketModeServer",
    "Team",
    "add_people",
    "envelope_of",
    "meant_text",
    "people",
    "sign",
    "slack_text",
]
