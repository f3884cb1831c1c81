"""Retention (issue 15, part 6): the clock's hourly job deletes what an operator's settings say must go, a
batch at a time, and logs counts, never text: a left workspace's data after UNINSTALL_RETENTION_DAYS, and the
content of meetings that ended more than CONTENT_RETENTION_MONTHS ago (default: kept)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from dateutil.relativedelta import relativedelta

from bot.config import Settings
from bot.services.workspaces import delete_left_workspaces, describe
from bot.store import retention as store
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)

BATCH = 1000  # rows a transaction


def run_retention(sessions: SessionFactory, now: datetime, settings: Settings) -> Counter[str]:
    """Everything due to go at `now`, by the settings: rows deleted per table."""
    deleted = delete_left_workspaces(sessions, now, settings.uninstall_retention_days)
    if settings.content_retention_months is not None:
        deleted += delete_old_content(sessions, now, settings.content_retention_months)
    return deleted


def delete_old_content(sessions: SessionFactory, now: datetime, months: int) -> Counter[str]:
    """The content of meetings that ended more than `months` ago, table by table, a batch at a time."""
    cutoff = now - relativedelta(months=months)
    deleted: Counter[str] = Counter()
    for content in store.CONTENT:
        while True:
            with sessions.begin() as session:
                count = store.delete_some(session, content.model, content.of(cutoff), BATCH)
            deleted[content.table] += count
            if count < BATCH:
                break
    if sum(deleted.values()):
        logger.info(
            "retention: deleted %s (meetings that ended before %s)", describe(deleted), f"{cutoff:%Y-%m-%d}"
        )
    return deleted
