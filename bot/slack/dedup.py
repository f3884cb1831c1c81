"""Slack delivers at least once: a request handled before is answered without doing it again.

Events carry an `event_id` that Slack keeps across its retries; commands, clicks and submissions a
`trigger_id`. A request's key is claimed before it is handled, in one INSERT only one delivery can win:
a retry arriving while the first delivery is still running (Slack's `http_timeout`, a Socket Mode
redelivery) is turned away with a 409 (no ack), so Slack tries again later, and finds it done. A
request that fails gives its claim back, so Slack's retry is handled. Wrapping `dispatch` covers HTTP
and Socket Mode alike.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.now import Clock
from bot.slack import form_body
from bot.slack.deps import Kicker
from bot.store import outbox, requests
from bot.store.db import SessionFactory
from bot.store.requests import Claim

logger = logging.getLogger(__name__)


class DedupingApp(App):
    """Bolt's App, once per request: Slack's redeliveries answered without a second effect, and the
    deliverer kicked once for a request that queued a message."""

    sessions: SessionFactory
    clock: Clock
    outbox: Kicker
    verifier: SignatureVerifier | None  # None in Socket Mode, where requests come over our own socket

    def use_store(
        self, sessions: SessionFactory, clock: Clock, outbox: Kicker, verifier: SignatureVerifier | None
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox
        self.verifier = verifier

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
        key = request_key(req.body) if self._authentic(req) else None
        if key is not None:
            with self.sessions.begin() as session:
                claim = requests.claim(session, key, self.clock())
            if claim is not Claim.MINE:
                return self._turned_away(req, key, claim)
        try:
            with outbox.watching() as queued:
                response = super().dispatch(req)
                if queued():
                    self.outbox.kick()
        except BaseException:
            if key is not None:
                self._settle(key, handled=False)
            raise
        if key is not None:
            self._settle(key, handled=response.status == 200)
        return response

    def _authentic(self, req: BoltRequest) -> bool:
        """Only a request Slack signed may claim a key (Bolt itself answers the others 401)."""
        if req.mode == "socket_mode" or self.verifier is None:
            return True
        headers = {name: values[0] for name, values in req.headers.items() if values}
        return self.verifier.is_valid_request(req.raw_body, headers)

    def _turned_away(self, req: BoltRequest, key: str, claim: Claim) -> BoltResponse:
        retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
        if claim is Claim.DONE:
            logger.info("already handled %s (retry %s); not doing it twice", key, retry)
            return BoltResponse(status=200, body="")
        logger.warning(
            "%s arrived again (retry %s) while still being handled; asked Slack to retry", key, retry
        )
        return BoltResponse(status=409, body="")

    def _settle(self, key: str, *, handled: bool) -> None:
        with self.sessions.begin() as session:
            (requests.finish if handled else requests.release)(session, key)


def request_key(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"[:120]
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}"[:120] if trigger else None
