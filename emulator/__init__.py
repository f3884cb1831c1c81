"""Slack's side, emulated: the Web API, Socket Mode, and the requests Slack sends an app.

Tests and benchmarks run the bot against it; ``python -m emulator`` serves it on its own (``--help``).

* :mod:`emulator.web_api`: :class:`SlackEmulator`, a real HTTP server for the Web API methods the bot
  calls, with the tokens it accepts (``BOT_TOKEN``, ``APP_TOKEN``) and the workspace's ids.
* :mod:`emulator.socket_mode`: Slack's WebSocket end of Socket Mode (``emu.socket_mode``), a sender that
  delivers requests over it, and the bot under Bolt's Socket Mode handler.
* :mod:`emulator.requests`: the slash commands, interactions and events Slack sends an app, signed for
  HTTP (:class:`SlackSender`), and text escaped as Slack escapes what a person typed.

Nothing here imports the bot or the tests: this is Slack's side of the wire.
"""

from emulator.people import Person, add_people, people
from emulator.requests import SlackRequests, SlackSender, meant_text, sign, slack_text
from emulator.socket_mode import AckResponse, SocketModeBot, SocketModeSender, SocketModeServer, envelope_of
from emulator.web_api import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Call,
    RateLimits,
    ResponsePost,
    SlackEmulator,
)

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "AckResponse",
    "Call",
    "Person",
    "RateLimits",
    "ResponsePost",
    "SlackEmulator",
    "SlackRequests",
    "SlackSender",
    "SocketModeBot",
    "SocketModeSender",
    "SocketModeServer",
    "add_people",
    "envelope_of",
    "meant_text",
    "people",
    "sign",
    "slack_text",
]
