"""What goes into a summary's thread besides the summary itself (issue 12, part 5).

The summary is the parent message: in the pair's group DM, or, when Slack refused the group DM, one copy in
each person's own DM. Whatever follows about that meeting (the second person's part, an item marked done,
what is still open before the next 1:1) is a reply under every copy that was or will be posted; the outbox
holds a reply until its parent is sent (bot/delivery/claims.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.outbox import MessageKind, outbox_key
from bot.store import summary_thread as thread_store
from bot.store.models import ActionItem


def reply_rows(
    session: Session,
    meeting_id: int,
    kind: MessageKind,
    key_parts: Sequence[object],
    params: dict[str, Any],
    now: datetime,
) -> list[dict[str, object]]:
    """Outbox rows (enqueue_many's dicts) for one reply under each live copy of the meeting's summary."""
    return [
        _reply(kind, key_parts, meeting_id, parent, params, now)
        for parent in thread_store.live_summaries(session, meeting_id)
    ]


def action_done_rows(
    session: Session, item: ActionItem, by_id: int, now: datetime
) -> list[dict[str, object]]:
    """A "marked done" reply in the thread of the summary the item came from (an item added between
    meetings has no summary, so no thread). Its key makes it once per item and copy."""
    if item.meeting_id is None:
        return []
    params = {"meeting_id": item.meeting_id, "action_id": item.id, "by": by_id}
    return reply_rows(session, item.meeting_id, MessageKind.ACTION_DONE, [item.id], params, now)


def still_open_rows(
    session: Session, meetings: Sequence[tuple[int, int]], now: datetime
) -> list[dict[str, object]]:
    """Outbox rows (enqueue_many's dicts) reminding each pair, in the thread of its last summary, of the
    action items still open, for these (meeting id, pair id) being prompted now.

    One query for the whole batch (the prompt queue takes 1,000 meetings at a time). Nothing for a pair
    whose last summary has nothing open, or was never posted; what is open is read again at delivery.
    """
    if not meetings:
        return []
    return [
        _reply(
            MessageKind.STILL_OPEN,
            [before_id],
            last_id,
            (parent_id, recipient_id),
            {"meeting_id": last_id, "before": before_id},
            now,
        )
        for before_id, last_id, parent_id, recipient_id in thread_store.last_summaries_with_open_items(
            session, [meeting_id for meeting_id, _ in meetings]
        )
    ]


def _reply(
    kind: MessageKind,
    key_parts: Sequence[object],
    meeting_id: int,
    parent: tuple[int, int | None],
    params: dict[str, Any],
    now: datetime,
) -> dict[str, object]:
    parent_id, recipient_id = parent
    # Under the group DM's message the key is the kind's own; under a person's copy it says whose, as the
    # copies' own keys do (bot/delivery/claims.py `_fall_back_to_dms`).
    key = outbox_key(kind, *key_parts) + ("" if recipient_id is None else f":dm:{recipient_id}")
    return {
        "key": key,
        "kind": kind,
        "now": now,
        "meeting_id": meeting_id,
        "params": {**params, "thread_of": parent_id},
    }
