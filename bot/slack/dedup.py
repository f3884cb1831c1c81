"""Every request Slack sends, once, in time: the app's `dispatch`, wrapped (HTTP and Socket Mode alike).

Once: Slack delivers at least once. Events carry an `event_id` that Slack keeps across its retries;
commands, clicks and submissions a `trigger_id`. Events, clicks and submissions are claimed before they
are handled, in one INSERT only one delivery can win: a retry arriving while the first delivery is still
running (Slack's `http_timeout`, a Socket Mode redelivery) is turned away with a 409 (no ack), so Slack
tries again later. The claim is marked done in the same transaction as the request's own writes
(store/requests.py), so a request is never "stored but failed"; one that failed without storing gives its
claim back. A slash command's first delivery, the path people wait on most, is claimed with its writes
instead: its first committing transaction inserts the claim, already done, so a command is one
transaction; a delivery that finds the claim taken has its transaction undone and is answered as a retry.
A command that writes nothing (help, agenda) leaves no record. A redelivery (Slack marks it) is claimed
ahead like an event, so one of a command that was handled is answered as a retry, not run again against
what the first delivery changed ("you already have a 1:1"), and one of a read is answered again.

In time: Slack waits 3 seconds. The work runs on a pool thread with a budget; when the database is slow
the answer leaves at the budget anyway ("Saving…", bot/slack/trouble.py) and the outcome follows through
the command's response_url. A database failure is answered with the bot's own short reply, never a 500.
A command answered from memory alone (help, a typo) has no database to wait on: it runs on the request's
own thread, without the hand-off to the pool (a third of help's cost); only in single-token mode, as with
OAuth Bolt reads each request's installation from the database.

Counted: every request, by kind and outcome, and how long its acknowledgement took (bot/metrics.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.now import Clock
from bot.slack import form_body, trouble
from bot.slack.after_ack import AfterAck
from bot.slack.blocks import replies
from bot.slack.budget import Budget
from bot.slack.deps import Kicker
from bot.store import outbox, requests
from bot.store.db import SessionFactory
from bot.store.requests import Claim

logger = logging.getLogger(__name__)

# Slack gives up on an answer after 3 seconds; what leaves by then arrives in time.
BUDGET_SECONDS = 2.5
WORKERS = 16  # requests in flight at once per process; beyond that they queue (and answer at the budget)


@dataclass
class _Seen:
    """What became of the request being dispatched, where its status alone doesn't say."""

    outcome: str | None = None


# The request's `_Seen`, shared with its pool thread (the budget runs the work in a copy of this context).
_seen: ContextVar[_Seen] = ContextVar("seen")
# What an answer's status says became of a request, when nothing more specific was seen.
_BY_STATUS = {200: "acked", 401: "refused", 403: "refused", 404: "unhandled", 409: "retry_turned_away"}
# Set in a request's Bolt context when it runs on the request's own thread (`answered_from_memory`).
_FROM_MEMORY = "oneonone_from_memory"


class DedupingApp(App):
    """Bolt's App, once per request and in time: Slack's redeliveries answered without a second effect,
    database trouble answered in words, and the deliverer kicked once for a request that queued a message."""

    sessions: SessionFactory
    clock: Clock
    outbox: Kicker
    later: AfterAck
    verifier: SignatureVerifier | None  # None in Socket Mode, where requests come over our own socket
    _budget: Budget
    # Whether a command's text is answered without the database (None: never assume so).
    _from_memory: Callable[[str], bool] | None

    def use_store(
        self,
        sessions: SessionFactory,
        clock: Clock,
        outbox: Kicker,
        later: AfterAck,
        verifier: SignatureVerifier | None,
        budget: float = BUDGET_SECONDS,
        *,
        from_memory: Callable[[str], bool] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.outbox = outbox
        self.later = later
        self.verifier = verifier
        self._budget = Budget(budget, WORKERS)
        self._from_memory = from_memory

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started, seen = time.perf_counter(), _Seen()
        token = _seen.set(seen)
        status = 500  # unless an answer says otherwise
        try:
            response = self._dispatch(req)
            status = response.status
            return response
        finally:
            _seen.reset(token)
            outcome = seen.outcome or _BY_STATUS.get(status, "error" if status >= 500 else "refused")
            metrics.count_request(metrics.request_kind(req.body), outcome, time.perf_counter() - started)

    def _dispatch(self, req: BoltRequest) -> BoltResponse:
        form_body.repair(req)
        if req.body.get("type") == "app_rate_limited":
            # Slack dropped events for a minute; nothing to do but say so (and answer 200, as asked).
            logger.warning(
                "Slack rate-limited events for team %s in minute %s",
                req.body.get("team_id"),
                req.body.get("minute_rate_limited"),
            )
            return BoltResponse(status=200, body="")
        if self._answerable_from_memory(req):
            req.context[_FROM_MEMORY] = True
            return self._handle(req)
        return self._budget.run(
            lambda: self._handle(req),
            late=lambda: self._answered_at_the_budget(req.body),
            then=lambda response: self._finished_late(req.body, response),
        )

    def _answerable_from_memory(self, req: BoltRequest) -> bool:
        """A first delivery of a command whose text needs no database (a redelivery reads its claim)."""
        command = req.body.get("command")
        return (
            self._from_memory is not None
            and isinstance(command, str)
            and not _redelivered(req)
            and self._from_memory(str(req.body.get("text") or ""))
        )

    def wait_idle(self, timeout: float) -> bool:
        """Until no request is being handled, those answered at their budget included (tests; shutdown)."""
        return self._budget.wait_idle(timeout)

    def _answered_at_the_budget(self, body: dict[str, Any]) -> BoltResponse:
        _saw("acked_at_budget")
        logger.warning(
            "%s outlived its %.1f s budget; answered, and it goes on", what(body), self._budget.seconds
        )
        return trouble.still_running(body)

    def answer_database_trouble(self, body: dict[str, Any]) -> BoltResponse:
        """What a request whose work the database refused is answered (also Bolt's listener errors)."""
        _saw("error")
        if trouble.kind_of(body) == "block_actions" and body.get("response_url"):
            url = str(body["response_url"])
            self.later.run(
                lambda: _post(url, {**trouble.not_saved_reply(), "replace_original": False}),
                "a click's database trouble",
            )
        return trouble.not_saved(body)

    def _handle(self, req: BoltRequest) -> BoltResponse:
        try:
            return self._once(req)
        except SQLAlchemyError:
            logger.exception("the database failed under %s", what(req.body))
            return self.answer_database_trouble(req.body)

    def _once(self, req: BoltRequest) -> BoltResponse:
        key = request_key(req.body)
        if key is not None and req.body.get("command") and not _redelivered(req):
            return self._claimed_with_its_writes(req, key)
        if key is None or not self._authentic(req):
            return self._run(req)
        with self.sessions.begin() as session:
            claim = requests.claim(session, key, self.clock())
        if claim is not Claim.MINE:
            return self._turned_away(req, key, claim)
        handled = False
        state = None
        try:
            with requests.handling(key) as state:
                response = self._run(req)
            handled = response.status == 200
            return response
        finally:
            if state is None or not state.stored:  # a request that wrote something was marked done with it
                self._settle(key, handled=handled)

    def _claimed_with_its_writes(self, req: BoltRequest, key: str) -> BoltResponse:
        """A command: no claim before the work; its first commit claims it (only a signed request gets that
        far: Bolt verifies before any listener runs). A delivery that found it taken stored nothing."""
        with requests.handling(key, claim_at=self.clock()) as state:
            response = self._run(req)
        if state.turned_away is not None:
            return self._turned_away(req, key, state.turned_away)
        return response

    def _run(self, req: BoltRequest) -> BoltResponse:
        with outbox.watching() as queued:
            response = super().dispatch(req)
            if queued():
                self.outbox.kick()
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
            _saw("duplicate")
            logger.info("already handled %s (retry %s); not doing it twice", key, retry)
            return BoltResponse(status=200, body="")
        logger.warning(
            "%s arrived again (retry %s) while still being handled; asked Slack to retry", key, retry
        )
        return BoltResponse(status=409, body="")

    def _settle(self, key: str, *, handled: bool) -> None:
        try:
            with self.sessions.begin() as session:
                (requests.finish if handled else requests.release)(session, key)
        except SQLAlchemyError:
            # Nothing of the request was stored; a claim left behind is taken over after a while.
            logger.exception("could not %s the claim on %s", "finish" if handled else "release", key)

    def _finished_late(self, body: dict[str, Any], response: BoltResponse | None) -> None:
        """A command answered "Saving…" learns the outcome through its response_url."""
        url = body.get("response_url")
        if trouble.kind_of(body) != "command" or not url:
            return  # a click answers itself; a form is submitted again; Slack delivers an event again
        response = response or trouble.not_saved(body)
        try:
            answer = json.loads(response.body) if response.status == 200 and response.body else None
        except ValueError:
            answer = None
        if answer is None:
            answer = trouble.not_saved_reply()
        if replies.is_working(answer):
            return  # the command finishes through the response_url itself ("one moment")
        _post(str(url), replies.replacing(answer))


def _saw(outcome: str) -> None:
    seen = _seen.get(None)
    if seen is not None:  # None: called outside a dispatch (late work telling its outcome)
        seen.outcome = outcome


def _post(url: str, payload: dict[str, Any]) -> None:
    response = WebhookClient(url, timeout=10).send_dict(payload)
    if response.status_code != 200:
        logger.warning("response_url answered %s", response.status_code)


def what(body: dict[str, Any]) -> str:
    """A request in a log line: its kind and who sent it (never what they wrote)."""
    user = body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user")
    return f"{trouble.kind_of(body) or 'a request'} from {user or 'unknown'}"


def _redelivered(req: BoltRequest) -> bool:
    """Slack marks a redelivery (HTTP's X-Slack-Retry-Num; Bolt copies Socket Mode's retry_attempt there,
    0 on a first delivery)."""
    return (req.headers.get("x-slack-retry-num") or ["0"])[0] not in ("", "0")


def answered_from_memory(req: BoltRequest) -> bool:
    """Whether `req` runs on the request's own thread, with no budget: it must not wait on the database."""
    return bool(req.context.get(_FROM_MEMORY))


def claim_for_later(sessions: SessionFactory) -> bool:
    """Claim the command being handled now, for work that goes on after its ack (asking Slack first), so a
    redelivery meanwhile is not handled twice; False when another delivery has it (answer nothing)."""
    try:
        with sessions.begin() as session:
            requests.claim_now(session)
    except requests.AlreadyHandled:
        return False
    return True


def request_key(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"[:120]
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}"[:120] if trigger else None
