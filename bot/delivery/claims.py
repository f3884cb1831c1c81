"""A claimed row, before and after its Slack call: read and render it into a `Job`, then record the outcome.

The claim's expiry (`claimed_until`) doubles as a fencing token: a sender only reads a row it still
holds, and only records an outcome for a row it still holds. The claiming queries themselves
(`claim_due`, `release`) are in bot/store/outbox.py. Log lines carry ids and Slack error codes only,
never message text.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery.jobs import Job, Outcome, Renderer
from bot.domain.outbox import DeliveryStatus, MessageKind, backoff
from bot.services import leaving
from bot.store import home as home_store
from bot.store import outbox as store
from bot.store import summary_thread as thread_store
from bot.store import workspaces as workspace_store
from bot.store.models import OutboxMessage, Person, Workspace

logger = logging.getLogger(__name__)

# A person's Home tab is published at most once in this long: what changes meanwhile (200 topics, 50
# commands in a row) waits in their one pending row and goes out together when it is over.
HOME_MIN_INTERVAL = timedelta(seconds=5)
# Why a reply or update is dropped when it goes under each person's copy of its message instead: `prepare`
# only reads, so it tells `record`, which queues them.
TO_DM_COPIES = "to_dm_copies"


def prepare(
    session: Session, render: Renderer, row_id: int, claimed_until: datetime, now: datetime
) -> Job | Outcome | None:
    """Read and render the row, or None when it is no longer ours to send."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status != DeliveryStatus.PENDING or row.claimed_until != claimed_until:
        return None
    workspace = _workspace(session, row)
    if workspace is not None and workspace.uninstalled_at is not None:
        return Outcome("dropped", reason=workspace_store.UNINSTALLED)
    prepared = _read(session, render, row, now)
    if isinstance(prepared, Job) and workspace is not None:
        # Whose token sends it and whose rate limits it counts against (bot/delivery/tokens.py, holds.py).
        return replace(prepared, team_id=workspace.slack_team_id, enterprise_id=workspace.slack_enterprise_id)
    return prepared


def teams_of(session: Session, row_ids: list[int]) -> dict[int, str | None]:
    """Each row's workspace (its Slack team id; None when its row tells none), which lane sends it
    (lanes.py). A DM's, the common case, comes with one query for the batch; any other row asks as
    `prepare` does."""
    by_recipient = (
        select(OutboxMessage.id, Workspace.slack_team_id)
        .join(Person, Person.id == OutboxMessage.recipient_id)
        .join(Workspace, Workspace.id == Person.workspace_id)
        .where(OutboxMessage.id.in_(row_ids))
    )
    teams: dict[int, str | None] = {row_id: team for row_id, team in session.execute(by_recipient)}
    for row_id in row_ids:
        if row_id not in teams:
            row = session.get(OutboxMessage, row_id)
            workspace = _workspace(session, row) if row is not None else None
            teams[row_id] = workspace.slack_team_id if workspace is not None else None
    return teams


def _read(session: Session, render: Renderer, row: OutboxMessage, now: datetime) -> Job | Outcome:
    """Render the row into the job that delivers it, or the outcome that settles it without Slack."""
    row_id = row.id
    if row.kind == MessageKind.HOME:
        wait = _home_pace(session, row, now)
        if wait is not None:
            return Outcome("deferred", reason="paced", retry_after=wait)
    try:
        content = render(session, row)
    except Exception:
        # A bug in a renderer must not lose the message: retry, and the fixed code will send it.
        logger.exception("outbox %s (%s): renderer failed", row_id, row.kind)
        return Outcome("retry", reason="render_error")
    if content is None:
        return Outcome("dropped")
    target_id = row.params.get("update_of") or row.params.get("thread_of")
    if target_id is not None:
        return _job_on_sent_message(session, row, content, int(target_id))
    if row.channel_id is not None:
        return Job(row_id, row.kind, content, row.channel_id, (), row.thread_ts)
    if "group" in row.params:
        members = [session.get(Person, person_id) for person_id in row.params["group"]]
        if any(person is None for person in members):
            return Outcome("failed", reason="no_recipient")
        # Someone deactivated or erased is left out; the other still gets it (in their own DM).
        reachable = tuple(p.slack_user_id for p in members if p and not _gone(p))
        if not reachable:
            return Outcome("dropped", reason="account_inactive")
        return Job(row_id, row.kind, content, None, reachable, row.thread_ts)
    person = session.get(Person, row.recipient_id) if row.recipient_id is not None else None
    if person is None:
        return Outcome("failed", reason="no_recipient")
    if _gone(person):  # queued by someone else's action after they left: Slack would only refuse it
        return Outcome("dropped", reason="account_inactive")
    if row.kind == MessageKind.HOME:
        return Job(row_id, row.kind, content, None, (person.slack_user_id,), None, publish=True)
    return Job(row_id, row.kind, content, person.dm_channel_id, (person.slack_user_id,), row.thread_ts)


def _gone(person: Person) -> bool:
    """Deactivated in Slack, or erased (their id is a placeholder Slack doesn't know)."""
    return person.deactivated_at is not None or person.erased_at is not None


def _workspace(session: Session, row: OutboxMessage) -> Workspace | None:
    """The workspace the row goes to (None when its row tells none): one that uninstalled the app gets
    nothing any more (whatever was queued meanwhile); any other's token sends it."""
    workspace_id = workspace_store.workspace_of(session, row)
    return session.get(Workspace, workspace_id) if workspace_id is not None else None


def _home_pace(session: Session, row: OutboxMessage, now: datetime) -> timedelta | None:
    """How long a Home tab waits for its person's last publish to be HOME_MIN_INTERVAL old, if it must.

    Meanwhile the row stays pending and unclaimed, so every change made before it goes lands in it.
    """
    if row.recipient_id is None:
        return None
    last = home_store.last_published_at(session, row.recipient_id)
    if last is None or now - last >= HOME_MIN_INTERVAL:
        return None
    return last + HOME_MIN_INTERVAL - now


def _job_on_sent_message(
    session: Session, row: OutboxMessage, content: dict[str, Any], target_id: int
) -> Job | Outcome:
    """An update of, or a thread reply to, a message the outbox sent earlier."""
    target = session.get(OutboxMessage, target_id)
    if target is None or target.status == DeliveryStatus.DROPPED:
        return Outcome("dropped")
    if target.status == DeliveryStatus.FAILED:
        # Gone for good; but if Slack refused its group DM and each person got a copy instead, this follows
        # them there (`record` queues one per copy).
        fell_back = bool(thread_store.dm_copies(session, target))
        return Outcome("dropped", reason=TO_DM_COPIES if fell_back else None)
    if target.status != DeliveryStatus.SENT:
        return Outcome("retry", reason="waiting_for_parent")
    if "update_of" in row.params:
        return Job(row.id, row.kind, content, target.sent_channel_id, (), None, update_ts=target.sent_ts)
    return Job(row.id, row.kind, content, target.sent_channel_id, (), target.sent_ts)


def record(session: Session, row_id: int, claimed_until: datetime, now: datetime, outcome: Outcome) -> None:
    """Store the outcome, unless another sender took the row over meanwhile."""
    row = session.get(OutboxMessage, row_id, with_for_update=True)
    if row is None or row.status != DeliveryStatus.PENDING or row.claimed_until != claimed_until:
        # Our claim expired mid-send and someone else holds the row: it may go out twice.
        logger.warning("outbox %s: claim lost during delivery (%s)", row_id, outcome.result)
        return
    if outcome.dm_channel is not None and row.recipient_id is not None:
        person = session.get(Person, row.recipient_id)
        if person is not None:
            person.dm_channel_id = outcome.dm_channel
    if outcome.group_unavailable:
        _fall_back_to_dms(session, row, now)
    if outcome.reason == TO_DM_COPIES:
        _follow_to_dm_copies(session, row, now)
    _apply(row, now, outcome)
    if row.kind == MessageKind.HOME:
        home_store.settle(session, row)
    if outcome.result == "failed" and outcome.reason in leaving.INACTIVE_ERRORS:
        _recipient_left(session, row, now)


def _recipient_left(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Slack refused a DM because the account was deactivated: as a `user_change` `deleted` would, pause
    their 1:1s and tell each other person once, instead of failing every message to them."""
    person = session.get(Person, row.recipient_id) if row.recipient_id is not None else None
    if person is not None and "group" not in row.params:
        leaving.deactivated(session, person, now)


def _fall_back_to_dms(session: Session, row: OutboxMessage, now: datetime) -> None:
    """A group DM Slack refuses: the same message goes to each member's own DM instead."""
    params = {key: value for key, value in row.params.items() if key != "group"}
    for person_id in row.params["group"]:
        store.enqueue(
            session,
            key=f"{row.key}:dm:{person_id}",
            kind=row.kind,
            now=now,
            recipient_id=person_id,
            params=params,
            meeting_id=row.meeting_id,
        )


def _follow_to_dm_copies(session: Session, row: OutboxMessage, now: datetime) -> None:
    """A reply or update of a group DM message that went to each person's DM instead: one for each copy.

    Keyed per copy as the copies are, so one queued under a copy directly (bot/services/summary_thread.py)
    is the same row and each copy hears it once.
    """
    field = "update_of" if row.params.get("update_of") else "thread_of"
    target_id = int(row.params[field])
    target = session.get(OutboxMessage, target_id)
    copies = thread_store.dm_copies(session, target) if target is not None else []
    for copy in copies:
        store.enqueue(
            session,
            key=f"{row.key}:dm:{copy.recipient_id}",
            kind=row.kind,
            now=now,
            params={**row.params, field: copy.id},
            meeting_id=row.meeting_id,
        )
    logger.info(
        "outbox %s (%s): follows message %s to its %s copies", row.id, row.kind, target_id, len(copies)
    )


def _apply(row: OutboxMessage, now: datetime, outcome: Outcome) -> None:
    row.claimed_until = None
    match outcome.result:
        case "sent":
            row.status = DeliveryStatus.SENT
            row.sent_channel_id, row.sent_ts, row.sent_at = outcome.channel, outcome.ts, now
            row.last_error = None
            logger.debug("outbox %s (%s): sent", row.id, row.kind)
        case "dropped":
            row.status = DeliveryStatus.DROPPED
            if outcome.reason is not None:  # why, for the operator (not_installed, uninstalled, ...)
                row.last_error = outcome.reason
            logger.info(
                "outbox %s (%s): dropped: %s", row.id, row.kind, outcome.reason or "no longer relevant"
            )
        case "failed":
            row.status = DeliveryStatus.FAILED
            row.last_error = outcome.reason
            logger.warning("outbox %s (%s): failed for good: %s", row.id, row.kind, outcome.reason)
        case "retry":
            row.attempts += 1
            row.next_attempt_at = now + backoff(row.attempts)
            row.last_error = outcome.reason
            logger.warning(
                "outbox %s (%s): attempt %s failed: %s", row.id, row.kind, row.attempts, outcome.reason
            )
        case "rate_limited" | "deferred":
            # Not the message's fault: no attempt counted, just wait as long as Slack (or pacing) asked.
            row.next_attempt_at = now + outcome.retry_after
            row.last_error = outcome.reason
            logger.info("outbox %s (%s): %s, waits %s", row.id, row.kind, outcome.reason, outcome.retry_after)
