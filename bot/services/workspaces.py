"""Workspaces that leave (issue 15, parts 5 and 6): `app_uninstalled` and `tokens_revoked` stop all sending
there at once; the clock deletes a left workspace's data after the retention period, and meeting content
older than the operator's limit, in batches."""

from __future__ import annotations

from datetime import datetime

from bot.store.db import SessionFactory


def workspace_left(sessions: SessionFactory, now: datetime, team_id: str, why: str) -> None:
    """The app was uninstalled from `team_id`, or its tokens revoked (filled in by issue 15, part 5)."""
