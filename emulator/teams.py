"""Whom the emulated Slack hosts and who may call it: workspaces (:class:`Team`), bot tokens (:class:`Grant`).

Data only: emulator/workspace.py keeps the workspaces and their members, emulator/installs.py the tokens.
A workspace may belong to an Enterprise Grid organization (``enterprise_id``). The app's bot user is one per
workspace, or one per organization for the workspaces of an enterprise (an org-ready app's bot user is the
same in every workspace of the org).
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.ids import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME


@dataclass(frozen=True)
class Team:
    """A workspace: its ids and names, its organization (if any) and the app's bot user in it."""

    id: str
    name: str
    domain: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID

    @property
    def url(self) -> str:
        return f"https://{self.domain}.slack.com/"

    @property
    def enterprise_domain(self) -> str | None:
        if self.enterprise_name is None:
            return None
        return "".join(ch for ch in self.enterprise_name.lower() if ch.isalnum()) or "org"


DEFAULT_TEAM = Team(TEAM_ID, TEAM_NAME, TEAM_DOMAIN)


def new_team(
    team_id: str,
    name: str,
    domain: str | None,
    enterprise_id: str | None,
    enterprise_name: str | None,
) -> Team:
    """A workspace other than the default one; its bot user's ids are made from the team's (or org's) id."""
    if not team_id.startswith("T"):
        raise ValueError(f"a workspace id starts with T, not {team_id!r}")
    if enterprise_id is not None and not enterprise_id.startswith("E"):
        raise ValueError(f"an organization id starts with E, not {enterprise_id!r}")
    owner = enterprise_id or team_id
    # Grid users are W... ids; the org's bot user is one of them.
    bot_user = f"W{owner}BOT" if enterprise_id else f"U{owner}BOT"
    return Team(
        team_id,
        name,
        domain or "".join(ch for ch in name.lower() if ch.isalnum()) or team_id.lower(),
        enterprise_id,
        (enterprise_name or enterprise_id) if enterprise_id else None,
        bot_user,
        f"B{owner}BOT",
    )


@dataclass
class Grant:
    """A bot token and what it reaches: one workspace, or with ``is_enterprise_install`` every workspace of
    the organization ``enterprise_id``. ``expires_at`` (emulator clock) for a rotating token."""

    token: str
    team_id: str | None  # None for an org-wide install
    enterprise_id: str | None
    is_enterprise_install: bool = False
    scope: str = ""
    expires_at: float | None = None
    revoked: bool = False
