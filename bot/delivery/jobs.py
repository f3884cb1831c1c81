"""What flows through a pass: the `Renderer` that turns a row into content, the `Job` read from a held
row, and the `Outcome` of trying it. Plain data, no session attached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from bot.store.models import OutboxMessage

# chat.postMessage keyword arguments (`text`, optional `blocks`), or views.publish's (`view`) for a Home
# tab, or None: obsolete, drop it.
# The session is for reading; anything the renderer writes is rolled back.
Renderer = Callable[[Session, OutboxMessage], dict[str, Any] | None]

DEFAULT_RETRY_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class Job:
    """What the Slack calls need, read while the row was held; plain data, no session attached."""

    row_id: int
    kind: str
    content: dict[str, Any]
    channel: str | None  # where to post, if known
    users: tuple[str, ...]  # else: the DM with this Slack user, or a group DM with these (opened first)
    thread_ts: str | None
    update_ts: str | None = None  # chat.update this message instead of posting a new one
    publish: bool = False  # views.publish the content (a Home tab) to the one user in `users`
    # The workspace it goes to (and its Grid organisation): whose token sends it, whose rate limits apply.
    team_id: str | None = None
    enterprise_id: str | None = None

    @property
    def method(self) -> str:
        """The Slack method that delivers it (conversations.open may come first for a new group)."""
        if self.publish:
            return "views.publish"
        return "chat.update" if self.update_ts is not None else "chat.postMessage"

    @property
    def target(self) -> str | None:
        """What to post to: the channel, else the one user's id (Slack opens the DM); None for a new group."""
        return self.channel or (self.users[0] if len(self.users) == 1 else None)


@dataclass(frozen=True)
class Outcome:
    result: Literal["sent", "retry", "rate_limited", "deferred", "failed", "dropped"]
    reason: str | None = None
    channel: str | None = None  # where it was posted
    ts: str | None = None
    retry_after: timedelta = DEFAULT_RETRY_AFTER
    dm_channel: str | None = None  # the person's DM, learned from chat.postMessage's answer
    group_unavailable: bool = False  # the group DM could not be opened: fall back to each DM
    method: str | None = None  # the Slack method that answered (rate_limited: the one held back)
    target: str | None = None  # the channel or user id posted to, when known
