"""Who is who: ``auth.test`` (the bot), ``users.info`` (a member) and ``apps.connections.open`` (the app's
Socket Mode link)."""

from __future__ import annotations

from typing import Any

from emulator.ids import TEAM_ID
from emulator.socket_mode import SocketModeServer
from emulator.workspace import Workspace, missing


class UserMethods(Workspace):
    socket_mode: SocketModeServer

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_mode.new_url()}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        """Who the token is: its workspace and the bot user. "When working against a team within an
        Enterprise organization, you'll also find their enterprise_id here" (auth.test reference); an
        org-wide token answers ``is_enterprise_install: true`` and the organization as its team (GUESS: its
        url the org's ``<domain>.enterprise.slack.com``, its ``team_id`` the organization's id, as Slack
        answers an org-level token). A rotating token tells its ``expires_in``."""
        grant = self._caller
        team = self._grant_team(grant) if grant is not None else self._teams[TEAM_ID]
        org_wide = grant is not None and grant.is_enterprise_install
        answer: dict[str, Any] = {
            "url": f"https://{team.enterprise_domain}.enterprise.slack.com/" if org_wide else team.url,
            "team": team.enterprise_name if org_wide else team.name,
            "user": "oneonone",
            "team_id": team.enterprise_id if org_wide else team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
        }
        if team.enterprise_id:
            answer["enterprise_id"] = team.enterprise_id
        answer["is_enterprise_install"] = org_wide
        if grant is not None and grant.expires_at is not None:
            answer["expires_in"] = max(0, int(grant.expires_at - self.clock()))
        if not org_wide:
            self._note_team(team.id)
        return answer

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user")
        if not user_id:
            raise missing("user")
        return {"user": self._user_object(self._known_user(str(user_id)))}
