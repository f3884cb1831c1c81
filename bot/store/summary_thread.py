"""Queries for a summary's thread: which copies of a meeting's summary (or of any group DM message) a reply
goes under."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.store.batches import among
from bot.store.models import ActionItem, Meeting, OutboxMessage

LIVE = (DeliveryStatus.PENDING, DeliveryStatus.SENT)  # a copy that is or will be in Slack


def live_summaries(session: Session, meeting_id: int) -> list[tuple[int, int | None]]:
    """The meeting's summary copies that are or will be in Slack, as (message id, recipient): the group DM's
    message, or each person's copy after Slack refused the group DM (the refused one failed)."""
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.recipient_id)
        .where(
            OutboxMessage.meeting_id == meeting_id,
            OutboxMessage.kind == MessageKind.SUMMARY,
            OutboxMessage.status.in_(LIVE),
        )
        .order_by(OutboxMessage.id)
    )
    return [(message_id, recipient_id) for message_id, recipient_id in rows]


def last_summaries_with_open_items(
    session: Session, meeting_ids: Sequence[int]
) -> list[tuple[int, int, int, int | None]]:
    """For each meeting: the pair's last summarised meeting before it, if any of its items are still open,
    with each live copy of its summary: (meeting id, last meeting id, summary message id, its recipient)."""
    before = aliased(Meeting)
    last = aliased(Meeting)
    summarised = exists().where(
        OutboxMessage.meeting_id == last.id, OutboxMessage.kind == MessageKind.SUMMARY
    )
    ranked = (
        select(
            before.id.label("before_id"),
            last.id.label("last_id"),
            func.row_number()
            .over(partition_by=before.id, order_by=(last.ends_at.desc(), last.id.desc()))
            .label("rank"),
        )
        .join(
            last,
            and_(
                # A summary marks its meeting held; (pair, status, ends_at) is an index.
                last.pair_id == before.pair_id,
                last.status == MeetingStatus.HELD,
                last.ends_at <= before.starts_at,
            ),
        )
        .where(among(session, before.id, meeting_ids), summarised)
        .subquery()
    )
    still_open = exists().where(ActionItem.meeting_id == ranked.c.last_id, ActionItem.done_at.is_(None))
    rows = session.execute(
        select(ranked.c.before_id, ranked.c.last_id, OutboxMessage.id, OutboxMessage.recipient_id)
        .join(
            OutboxMessage,
            and_(
                OutboxMessage.meeting_id == ranked.c.last_id,
                OutboxMessage.kind == MessageKind.SUMMARY,
                OutboxMessage.status.in_(LIVE),
            ),
        )
        .where(ranked.c.rank == 1, still_open)
        .order_by(ranked.c.before_id, OutboxMessage.id)
    )
    return [(before_id, last_id, parent_id, recipient) for before_id, last_id, parent_id, recipient in rows]


def dm_copies(session: Session, message: OutboxMessage) -> list[OutboxMessage]:
    """Each person's own copy of a group DM message, queued when Slack refused the group DM (keys as
    bot/delivery/claims.py `_fall_back_to_dms` gives them); none for a message that never fell back."""
    keys = [f"{message.key}:dm:{person_id}" for person_id in message.params.get("group") or []]
    if not keys:
        return []
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.key.in_(keys)).order_by(OutboxMessage.id))
    )
