"""Workspaces that leave (issue 15, part 5): `app_uninstalled` and `tokens_revoked` stop all sending there at
once; a workspace heard from again is back; the clock deletes a left workspace's data once the operator's
retention period (UNINSTALL_RETENTION_DAYS) has passed, a batch at a time."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy.orm import Session

from bot.now import Clock, system_clock
from bot.store import workspaces as store
from bot.store.db import SessionFactory
from bot.store.models import Workspace

logger = logging.getLogger(__name__)

BATCH = 1000  # rows a transaction: a big workspace never holds the database for long
LEAVING_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


def workspace_left(sessions: SessionFactory, now: datetime, team_id: str, why: str) -> None:
    """The app was uninstalled from `team_id`, or its tokens revoked: its series pause (the clock queues
    nothing for them) and every message not yet sent there is dropped. A second event changes nothing."""
    with sessions.begin() as session:
        workspace = store.find(session, team_id)
        if workspace is None or workspace.uninstalled_at is not None:
            return
        workspace.uninstalled_at = now
        paused = store.pause_series(session, workspace.id, now)
        dropped = store.drop_unsent(session, workspace.id)
    logger.info(
        "workspace %s left (%s): %s series paused, %s unsent messages dropped",
        workspace.id,
        why,
        paused,
        dropped,
    )


def heard_from(sessions: SessionFactory, team_id: str, event_type: str | None = None) -> bool:
    """Any request from `team_id` (but the leaving events themselves, which may come in either order):
    Slack sends requests only to an installed app, so a workspace that had left has reinstalled it. It works
    again: its series resume and its data is no longer due to go; True when it had left. One small read."""
    if event_type in LEAVING_EVENTS:
        return False
    with sessions() as session:
        if store.uninstalled_at(session, team_id) is None:
            return False
    with sessions.begin() as session:
        workspace = store.find(session, team_id)
        if workspace is None or workspace.uninstalled_at is None:
            return False
        came_back(session, workspace)
    return True


def came_back(session: Session, workspace: Workspace) -> None:
    """The workspace is back: its series paused when it left resume (messages dropped meanwhile stay
    dropped: they were about then)."""
    if workspace.uninstalled_at is None:
        return
    resumed = store.resume_series(session, workspace.id, workspace.uninstalled_at)
    workspace.uninstalled_at = None
    logger.info("workspace %s is back: %s series resumed", workspace.id, resumed)


def delete_left_workspaces(sessions: SessionFactory, now: datetime, retention_days: int) -> Counter[str]:
    """Delete the data of every workspace that left more than `retention_days` ago: rows per table."""
    with sessions() as session:
        due = store.left_before(session, now - timedelta(days=retention_days))
    total: Counter[str] = Counter()
    for workspace_id in due:
        deleted = _delete_workspace(sessions, workspace_id, now - timedelta(days=retention_days))
        logger.info("workspace %s deleted, after it left: %s", workspace_id, describe(deleted))
        total += deleted
    return total


def _delete_workspace(sessions: SessionFactory, workspace_id: int, left_before: datetime) -> Counter[str]:
    deleted: Counter[str] = Counter()
    for step in store.STEPS:
        while True:
            with sessions.begin() as session:
                # Checked again in every batch: a workspace that came back meanwhile keeps the rest.
                if workspace_id not in store.left_before(session, left_before):
                    return deleted
                count = store.delete_batch(session, step, workspace_id, BATCH)
            deleted[step.table] += count
            if count < BATCH:
                break
    return deleted


def describe(counts: Counter[str]) -> str:
    """Counts only, never what the rows said: "12 outbox, 3 summary, …"."""
    shown = [f"{count:,} {table}" for table, count in counts.items() if count]
    return ", ".join(shown) or "nothing"


class Comebacks:
    """Notices a workspace that reinstalled the app, from the requests it sends, at most one read per
    workspace a minute in each process: the acknowledgement path stays one write per command. A process
    that did not see the workspace leave notices its return within that minute."""

    EVERY = 60.0  # seconds between two reads for the same workspace

    def __init__(
        self,
        sessions: SessionFactory,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._monotonic = monotonic
        self._checked: dict[str, float] = {}

    def due(self, team_id: str, event_type: str | None) -> bool:
        """Whether this request from `team_id` is the one to read for (memory alone); counted as read."""
        if event_type in LEAVING_EVENTS:  # it left: the next request from it is read at once
            self._checked.pop(team_id, None)
            return False
        now = self._monotonic()
        if now - self._checked.get(team_id, -self.EVERY) < self.EVERY:
            return False
        self._checked[team_id] = now
        return True

    def read(self, team_id: str, event_type: str | None, enterprise_id: str | None = None) -> None:
        heard_from(self._sessions, team_id, event_type)
        if enterprise_id:
            in_organisation(self._sessions, self._clock(), team_id, enterprise_id)


def in_organisation(sessions: SessionFactory, now: datetime, team_id: str, enterprise_id: str) -> None:
    """`team_id` is a workspace of the Grid organisation `enterprise_id`, as its request said: kept, so its
    messages can go with the organisation's token when the app is installed org-wide. One small read when
    nothing changed; the workspace is recorded at once (its first request may be the one that queues)."""
    with sessions() as session:
        if store.enterprise_of(session, team_id) == enterprise_id:
            return
    with sessions.begin() as session:
        store.set_enterprise(session, team_id, enterprise_id, now)
    logger.info("workspace %s is in Grid organisation %s", team_id, enterprise_id)


def forget_installation(
    installations: InstallationStore | None,
    enterprise_id: str | None,
    team_id: str | None,
    *,
    bot_only: bool = False,
) -> None:
    """The workspace's tokens leave with it: its installation and bots (only its bots when just the bot
    token was revoked) are deleted from the installation store. Nothing to do with one SLACK_BOT_TOKEN."""
    if installations is None:
        return
    if bot_only:
        installations.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
    else:
        installations.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    logger.info(
        "deleted the stored %s of team %s (enterprise %s)",
        "bot tokens" if bot_only else "installation and tokens",
        team_id,
        enterprise_id,
    )
