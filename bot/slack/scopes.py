"""The bot scopes the app asks a workspace for when it is installed: exactly manifest.yml's
(tests/slack/test_oauth_install.py checks that both agree)."""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "commands",
    "chat:write",
    "im:history",
    "im:read",
    "im:write",
    "mpim:write",
    "users:read",
)
