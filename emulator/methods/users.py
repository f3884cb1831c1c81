"""Who is who: ``auth.test`` (the bot), ``users.info`` (a member) and ``apps.connections.open`` (the app's
Socket Mode link)."""

from __future__ import annotations

from typing import Any

from emulator.ids import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from emulator.socket_mode import SocketModeServer
from emulator.workspace import Workspace, missing


class UserMethods(Workspace):
    socket_mode: SocketModeServer

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode.new_url()}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "oneonone",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            raise missing("user")
        return {"user": self._user_object(self._known_user(str(user_id)))}
