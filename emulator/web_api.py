"""A real HTTP emulator of the parts of the Slack Web API this bot uses (stdlib only).

Point slack_sdk at it with ``WebClient(token=BOT_TOKEN, base_url=emu.url)``. Behaviour follows Slack's
method reference (docs.slack.dev / api.slack.com) where it is documented; guesses are marked "GUESS".

Faithful details worth knowing:
* Slack answers API errors with HTTP 200 and ``{"ok": false, "error": ...}`` (only rate limits are 429).
* Missing required scalar args answer ``invalid_arguments`` with ``response_metadata.messages`` such as
  ``"[ERROR] missing required field: user"``; a missing ``channel`` answers ``channel_not_found``.
* ``chat.postMessage`` truncates ``text`` over 40,000 chars and warns ``message_truncated`` (changelog
  2018-04 "Truncating really long messages"); it does not error with ``msg_too_long`` for that.
* ``thread_ts`` pointing at no message is not a documented error: Slack answers ok (the reply is
  orphaned). Set ``strict_threads = True`` to get an emulator-only ``thread_not_found`` instead.
* Blocks are validated as Slack validates them, with slack-sdk's Block Kit models (emulator/blocks.py):
  messages answer ``invalid_blocks`` (views ``invalid_arguments``, response_url posts a 400) with
  ``"[ERROR] ... [json-pointer:/blocks/0/text]"`` messages; blocks that are not a list answer
  ``invalid_blocks_format``.
* Trigger ids are issued by the emulator (``new_trigger_id(user_id)``, which the request senders use):
  ``views.open`` / ``views.push`` take one within 3 s of issue (by ``clock``), once; otherwise
  ``invalid_trigger_id`` (never issued), ``expired_trigger_id`` or ``exchanged_trigger_id``.

Socket Mode: ``apps.connections.open`` (app-level token ``APP_TOKEN``) issues one-time ``ws://`` URLs of a
WebSocket server that starts and stops with the emulator; ``emu.socket_mode`` (emulator/socket_mode.py, which
needs the ``websockets`` package) pushes envelopes and records the app's acks.

Workspaces and installs: the emulator hosts ``TEAM_ID`` (token ``BOT_TOKEN``) and any workspace
``add_workspace`` adds (of an Enterprise Grid organization with ``enterprise_id``). A bot token belongs to one
workspace (``add_bot_token``, or the OAuth flow: emulator/methods/oauth.py), or to every workspace of an
organization for an org-wide install; a call is answered as that workspace, and ids of another are answered as
ids Slack can't see. ``Call.team_id`` records which; ``calls(team_id=...)`` filters by it.

Opt-in: ``enforce_rate_limits()`` makes the emulator hold calls to Slack's documented rate limits and answer
``429`` + ``Retry-After`` past them (see ``RateLimits``). Off by default and after ``reset()``.

This module assembles :class:`SlackEmulator` from its parts:

* emulator/ids.py: the default workspace's ids, the tokens it accepts, the app's OAuth credentials;
* emulator/teams.py, emulator/workspace.py: the workspaces, their members and conversations, and Slack's
  error answers; a call sees only what its token reaches;
* emulator/installs.py: the bot tokens (one per workspace or organization), revoked, expiring, rotated;
* emulator/server.py: the HTTP server, the tokens it checks, and the recorded calls and response_url posts;
* emulator/faults.py: injected faults, held answers and the opt-in rate limits;
* emulator/methods/: the Web API methods, a module per family (users, conversations, chat, views, files,
  oauth: the consent page and oauth.v2.access).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# This module's names from before the split stay importable from here: the ids, tokens and records.
from emulator.faults import RateLimits  # noqa: F401
from emulator.ids import APP_ID, APP_TOKEN, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME  # noqa: F401
from emulator.methods.chat import ChatMethods
from emulator.methods.conversations import ConversationMethods
from emulator.methods.files import FileMethods, SharedFile  # noqa: F401
from emulator.methods.oauth import OAuthMethods
from emulator.methods.users import UserMethods
from emulator.methods.views import ViewMethods
from emulator.server import Call, ResponsePost, WebApiServer  # noqa: F401
from emulator.socket_mode import SocketModeServer


class SlackEmulator(
    WebApiServer, UserMethods, ConversationMethods, ChatMethods, ViewMethods, FileMethods, OAuthMethods
):
    """Slack Web API emulator on 127.0.0.1, serving ``/api/<method>``, ``/response/<id>`` and the OAuth
    consent page ``/oauth/v2/authorize``.

    It listens on ``port``, or on a free port when that is 0 (the default); Socket Mode takes a free one.
    """

    def __init__(self, clock: Callable[[], float] = time.time, *, port: int = 0) -> None:
        self.clock = clock  # used for response_url and trigger_id expiry and message ts
        self.port = port
        self._cond = threading.Condition(threading.RLock())
        self._server = None
        self._thread = None
        self.socket_mode = SocketModeServer(APP_ID)
        self._handlers = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_open,
            "views.push": self._views_push,  # a modal exchanged for a trigger, stacked on the one clicked in
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "apps.connections.open": self._apps_connections_open,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.upload": self._files_upload,  # retired: method_deprecated
            "oauth.v2.access": self._oauth_v2_access,
            "oauth.v2.exchange": self._oauth_v2_exchange,
        }
        self.reset()

    def reset(self) -> None:
        """Forget calls, faults, workspaces and users (but the default one and its bot), conversations, views,
        response URLs, tokens and installs (but ``BOT_TOKEN``)."""
        with self._cond:
            self.socket_mode.reset()
            self._reset_server()
            self._reset_workspace()
            self._reset_installs()
            self._reset_oauth()
            self._reset_chat()
            self._reset_views()
            self._reset_files()
            self._reset_faults()
            self._reset_rate_limits()
            self._cond.notify_all()
