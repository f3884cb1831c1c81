"""Slack delivers at least once: a request handled before is answered without doing it again.

Events carry an `event_id` that Slack keeps across its retries; commands, clicks and submissions a
`trigger_id`. A key is remembered only once its request was handled well (status 200), so a retry
after a failure is still handled. Wrapping `dispatch` covers HTTP and Socket Mode alike.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.now import Clock
from bot.slack import form_body
from bot.slack.deps import Kicker
from bot.store import outbox, requests
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)


class DedupingApp(App):
    """Bolt's App, once per request: Slack's redeliveries answered without a second effect, and the
    deliverer kicked once for a request that queued a message."""

    sessions: SessionFactory
    clock: Clock
    outbox: Kicker

    def use_store(self, sessions: SessionFactory, clock: Clock, outbox: Kicker) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        form_body.repair(req)
        if req.body.get("type") == "app_rate_limited":
            # Slack dropped events for a minute; nothing to do but say so (and answer 200, as asked).
            logger.warning(
                "Slack rate-limited events for team %s in minute %s",
                req.body.get("team_id"),
                req.body.get("minute_rate_limited"),
            )
            return BoltResponse(status=200, body="")
        key = request_key(req.body)
        if key is not None:
            with self.sessions() as session:
                if requests.handled(session, key):
                    logger.info(
                        "already handled %s (retry %s); not doing it twice",
                        key,
                        (req.headers.get("x-slack-retry-num") or ["-"])[0],
                    )
                    return BoltResponse(status=200, body="")
        with outbox.watching() as queued:
            response = super().dispatch(req)
            if queued():
                self.outbox.kick()
        if key is not None and response.status == 200:
            with self.sessions.begin() as session:
                requests.remember(session, key, self.clock())
        return response


def request_key(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"[:120]
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}"[:120] if trigger else None
