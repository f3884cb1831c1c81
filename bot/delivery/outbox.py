"""The outbox sender: claims due messages, renders them at send time, posts them, records the outcome.

Each message goes through three short steps: read and render (no writes), call Slack outside any
transaction (so a slow Slack never holds SQLite's write lock), then record the outcome in its own
commit. A crash therefore loses at most the message in flight, which is sent again once its claim
expires. The claim's expiry (`claimed_until`) doubles as a fencing token: a sender only records an
outcome for a row it still holds.

Retries are this module's job, not the HTTP client's: a 429 reschedules the row for after its
Retry-After and stops the batch, instead of sleeping inside the tick as slack-sdk's
RateLimitErrorRetryHandler would. Log lines carry ids and Slack error codes only, never message text.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse
from sqlalchemy.orm import Session

from bot.domain.outbox import DeliveryStatus, backoff, is_retryable
from bot.now import Clock
from bot.store import outbox as store
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person

logger = logging.getLogger(__name__)

# chat.postMessage keyword arguments (`text`, optional `blocks`), or None: obsolete, drop it.
# The session is for reading; anything the renderer writes is rolled back.
Renderer = Callable[[Session, OutboxMessage], dict[str, Any] | None]

DEFAULT_RETRY_AFTER = timedelta(seconds=1)
# Connection trouble: urllib's URLError and socket timeouts are OSErrors; http.client can fail on its own.
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    rate_limited: bool = False

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.dropped

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.dropped += other.dropped
        self.rate_limited = self.rate_limited or other.rate_limited


def build_delivery_client(token: str | None, base_url: str | None) -> WebClient:
    """A WebClient that never retries by itself (not even connection errors): the outbox reschedules."""
    return WebClient(token=token, base_url=base_url or WebClient.BASE_URL, retry_handlers=[])


def deliver_due(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    lease: timedelta = timedelta(minutes=2),
) -> DeliveryReport:
    """Claim up to `limit` due messages and try each once, oldest first; stop at a rate limit.

    `client` is used as given. Give it no RateLimitErrorRetryHandler (it would sleep inside the
    tick): a 429 here reschedules the row for after Retry-After instead.
    """
    claimed_until = now + lease
    with sessions.begin() as session:
        ids = store.claim_due(session, now, limit=limit, lease=lease)
    report = DeliveryReport()
    for index, row_id in enumerate(ids):
        outcome = _deliver_one(sessions, client, render, row_id, claimed_until, now)
        if outcome is not None:
            _count(report, outcome)
        if report.rate_limited:
            # Slack asked us to slow down: hand the rest back for the next call, schedule untouched.
            with sessions.begin() as session:
                store.release(session, ids[index + 1 :], claimed_until)
            break
    return report


def deliver_all_due(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    now: datetime,
    *,
    limit: int = 200,
    max_batches: int = 1000,
) -> DeliveryReport:
    """Deliver batch after batch until nothing due is left or Slack rate-limits us; the summed report.

    Stops on an empty batch rather than on one that sent nothing: retries and failures are
    rescheduled or final, so every batch shrinks what is due at `now` and the loop ends.
    """
    total = DeliveryReport()
    for _ in range(max_batches):
        report = deliver_due(sessions, client, render, now, limit=limit)
        total.add(report)
        if report.rate_limited or report.handled == 0:
            break
    return total


class BackgroundDeliverer:
    """Delivers from a daemon thread whenever kicked, so a web request never waits for Slack.

    Kicks coalesce: any number of kicks during a pass lead to one more pass.
    """

    def __init__(self, sessions: SessionFactory, client: WebClient, render: Renderer, clock: Clock) -> None:
        self._sessions = sessions
        self._client = client
        self._render = render
        self._clock = clock
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def kick(self) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="outbox-deliverer", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # Cleared before the pass, so a kick arriving during it triggers one more.
            self._wake.clear()
            if self._stopping:
                return
            try:
                deliver_all_due(self._sessions, self._client, self._render, self._clock())
            except Exception:
                logger.exception("background outbox delivery failed")


# ---------------------------------------------------------------------------------------- one message


@dataclass(frozen=True)
class _Job:
    """What the Slack calls need, read while the row was held; plain data, no session attached."""

    row_id: int
    kind: str
    content: dict[str, Any]
    channel: str | None  # where to post, if known
    users: tuple[str, ...]  # else: open a DM (one user) or a group DM (several) with these Slack users
    thread_ts: str | None
    update_ts: str | None = None  # chat.update this message instead of posting a new one


@dataclass(frozen=True)
class _Outcome:
    result: Literal["sent", "retry", "rate_limited", "failed", "dropped"]
    reason: str | None = None
    channel: str | None = None
    ts: str | None = None
    retry_after: timedelta = DEFAULT_RETRY_AFTER
    dm_channel: str | None = None  # learned from conversations.open; kept whatever the outcome
    group_unavailable: bool = False  # the group DM could not be opened: fall back to each DM


def _deliver_one(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    row_id: int,
    claimed_until: datetime,
    now: datetime,
) -> _Outcome | None:
    with sessions() as session:
        prepared = _prepare(session, render, row_id, claimed_until)
    if prepared is None:
        return None
    outcome = _send(client, prepared) if isinstance(prepared, _Job) else prepared
    with sessions.begin() as session:
        _record(session, row_id, claimed_until, now, outcome)
    return outcome


def _prepare(
    session: Session, render: Renderer, row_id: int, claimed_until: datetime
) -> _Job | _Outcome | None:
    """Read and render the row, or None when it is no longer ours to send."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status != DeliveryStatus.PENDING or row.claimed_until != claimed_until:
        return None
    try:
        content = render(session, row)
    except Exception:
        # A bug in a renderer must not lose the message: retry, and the fixed code will send it.
        logger.exception("outbox %s (%s): renderer failed", row_id, row.kind)
        return _Outcome("retry", reason="render_error")
    if content is None:
        return _Outcome("dropped")
    target_id = row.params.get("update_of") or row.params.get("thread_of")
    if target_id is not None:
        return _job_on_sent_message(session, row, content, int(target_id))
    if row.channel_id is not None:
        return _Job(row_id, row.kind, content, row.channel_id, (), row.thread_ts)
    if "group" in row.params:
        members = [session.get(Person, person_id) for person_id in row.params["group"]]
        if any(person is None for person in members):
            return _Outcome("failed", reason="no_recipient")
        return _Job(
            row_id, row.kind, content, None, tuple(p.slack_user_id for p in members if p), row.thread_ts
        )
    person = session.get(Person, row.recipient_id) if row.recipient_id is not None else None
    if person is None:
        return _Outcome("failed", reason="no_recipient")
    return _Job(row_id, row.kind, content, person.dm_channel_id, (person.slack_user_id,), row.thread_ts)


def _job_on_sent_message(
    session: Session, row: OutboxMessage, content: dict[str, Any], target_id: int
) -> _Job | _Outcome:
    """An update of, or a thread reply to, a message the outbox sent earlier."""
    target = session.get(OutboxMessage, target_id)
    if target is None or target.status in (DeliveryStatus.FAILED, DeliveryStatus.DROPPED):
        return _Outcome("dropped")
    if target.status != DeliveryStatus.SENT:
        return _Outcome("retry", reason="waiting_for_parent")
    if "update_of" in row.params:
        return _Job(row.id, row.kind, content, target.sent_channel_id, (), None, update_ts=target.sent_ts)
    return _Job(row.id, row.kind, content, target.sent_channel_id, (), target.sent_ts)


def _send(client: WebClient, job: _Job) -> _Outcome:
    dm_channel: str | None = None
    try:
        channel = job.channel
        if channel is None:
            opened = _open(client, job)
            if isinstance(opened, _Outcome):
                return opened
            channel = opened
            dm_channel = channel if len(job.users) == 1 else None
        if job.update_ts is not None:
            response = client.chat_update(**{**job.content, "channel": channel, "ts": job.update_ts})
        else:
            response = client.chat_postMessage(
                **{
                    **job.content,
                    "channel": channel,
                    "thread_ts": job.thread_ts,
                    "unfurl_links": False,
                    "unfurl_media": False,
                }
            )
        sent_to = str(response.get("channel", channel))
        return _Outcome("sent", channel=sent_to, ts=str(response["ts"]), dm_channel=dm_channel)
    except Exception as exc:
        return replace(_classify(exc, job), dm_channel=dm_channel)


def _open(client: WebClient, job: _Job) -> str | _Outcome:
    """The DM or group DM with the job's users; a group that can't be opened falls back to DMs."""
    try:
        opened = client.conversations_open(users=",".join(job.users))
    except SlackApiError as exc:
        outcome = _classify(exc, job)
        if len(job.users) > 1 and outcome.result == "failed":
            return replace(outcome, group_unavailable=True)
        return outcome
    return str(opened["channel"]["id"])


def _classify(exc: Exception, job: _Job) -> _Outcome:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = _error_code(exc.response) or f"http_{status}"
        if status == 429:
            return _Outcome("rate_limited", reason="ratelimited", retry_after=_retry_after(exc.response))
        if is_retryable(error, status):
            return _Outcome("retry", reason=error)
        return _Outcome("failed", reason=error)
    if isinstance(exc, (*_TRANSPORT_ERRORS, SlackClientError)):
        return _Outcome("retry", reason=type(exc).__name__)
    # Not a Slack answer nor a network problem: a bug of ours, so keep the message for the fix.
    logger.exception("outbox %s (%s): unexpected error while sending", job.row_id, job.kind)
    return _Outcome("retry", reason="unexpected_error")


def _error_code(response: SlackResponse) -> str | None:
    data = response.data
    error = data.get("error") if isinstance(data, dict) else None
    return str(error)[:100] if error else None


def _retry_after(response: SlackResponse) -> timedelta:
    headers = {key.lower(): value for key, value in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return timedelta(seconds=max(0, int(float(value))))
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _record(session: Session, row_id: int, claimed_until: datetime, now: datetime, outcome: _Outcome) -> None:
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
    _apply(row, now, outcome)


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


def _apply(row: OutboxMessage, now: datetime, outcome: _Outcome) -> None:
    row.claimed_until = None
    match outcome.result:
        case "sent":
            row.status = DeliveryStatus.SENT
            row.sent_channel_id, row.sent_ts, row.sent_at = outcome.channel, outcome.ts, now
            row.last_error = None
            logger.debug("outbox %s (%s): sent", row.id, row.kind)
        case "dropped":
            row.status = DeliveryStatus.DROPPED
            logger.info("outbox %s (%s): dropped, no longer relevant", row.id, row.kind)
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
        case "rate_limited":
            # Not the message's fault: no attempt counted, just wait as long as Slack asked.
            row.next_attempt_at = now + outcome.retry_after
            row.last_error = outcome.reason
            logger.info("outbox %s (%s): rate limited for %s", row.id, row.kind, outcome.retry_after)


def _count(report: DeliveryReport, outcome: _Outcome) -> None:
    match outcome.result:
        case "sent":
            report.sent += 1
        case "retry":
            report.retried += 1
        case "failed":
            report.failed += 1
        case "dropped":
            report.dropped += 1
        case "rate_limited":
            report.rate_limited = True
