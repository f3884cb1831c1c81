"""The outbox sender: claims due messages, renders them at send time, posts them, records the outcome.

Each message goes through three short steps: read and render (no writes), call Slack outside any
transaction (so a slow Slack never holds SQLite's write lock), then record the outcome in its own
commit. A crash therefore loses at most the message in flight, which is sent again once its claim
expires. The claim's expiry (`claimed_until`) doubles as a fencing token: a sender only records an
outcome for a row it still holds.

Retries are this module's job, not the HTTP client's: a 429 reschedules the row for after its
Retry-After instead of sleeping inside the call as slack-sdk's RateLimitErrorRetryHandler would. Slack
limits each method per workspace, and chat.postMessage also per channel (about one message a second).
A 429 on a channel that already took a message in this pass is taken for that channel's limit: its
messages wait and the others go on. Any other 429 on chat.postMessage stops the batch (the rest wait
too); one on conversations.open or chat.update holds back only the messages that need that method.
`deliver_until_idle` (the background deliverer's loop) then waits out Retry-After and goes on until
nothing is due. Log lines carry ids and Slack error codes only, never message text.

A DM goes to the person's user id (chat.postMessage opens the app's DM itself and answers with its
D… id, which is kept on the person); only a group DM is opened with conversations.open, a Tier 3 method.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
# The longest rate-limit wait the background deliverer sits out; a longer one is left to the next tick.
MAX_WAIT = timedelta(minutes=1)
# Waits up to the given seconds; True when it was told to stop instead.
Waiter = Callable[[float], bool]
# Connection trouble: urllib's URLError and socket timeouts are OSErrors; http.client can fail on its own.
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    deferred: int = 0  # held back by a rate limit, due again at `resume_at`; no attempt counted
    rate_limited: bool = False  # chat.postMessage was rate limited for the workspace: the batch stopped
    # When the earliest message held back by a rate limit may go again; None when nothing was.
    resume_at: datetime | None = field(default=None, compare=False)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.dropped + self.deferred

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.dropped += other.dropped
        self.deferred += other.deferred
        self.rate_limited = self.rate_limited or other.rate_limited
        self.resume_at = _earliest(self.resume_at, other.resume_at)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


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
    """Claim up to `limit` due messages and try each once, oldest first; stop at a workspace rate limit.

    `client` is used as given. Give it no RateLimitErrorRetryHandler (it would sleep inside the
    tick): a 429 here reschedules the row for after Retry-After instead.
    """
    return _deliver_batch(sessions, client, render, now, _Holds(), limit=limit, lease=lease)


def _deliver_batch(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    now: datetime,
    holds: _Holds,
    *,
    limit: int,
    lease: timedelta = timedelta(minutes=2),
) -> DeliveryReport:
    claimed_until = now + lease
    with sessions.begin() as session:
        ids = store.claim_due(session, now, limit=limit, lease=lease)
    report = DeliveryReport()
    for index, row_id in enumerate(ids):
        outcome = _deliver_one(sessions, client, render, row_id, claimed_until, now, holds)
        if outcome is not None:
            _count(report, outcome, now)
            holds.learn(outcome, now)
        if holds.stopped:
            # Slack asked us to slow down: hand the rest back for the next call, schedule untouched.
            report.rate_limited = True
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
    holds = _Holds()  # what Slack held back stays held back in the following batches
    for _ in range(max_batches):
        report = _deliver_batch(sessions, client, render, now, holds, limit=limit)
        total.add(report)
        if report.rate_limited or report.handled == 0:
            break
    return total


def deliver_until_idle(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    clock: Clock,
    *,
    wait: Waiter,
    limit: int = 200,
    max_wait: timedelta = MAX_WAIT,
) -> DeliveryReport:
    """Deliver everything due, waiting out rate limits, until nothing held back is left; the summed report.

    After a pass that Slack rate-limited, `wait` sits until the earliest message held back may go
    again (its Retry-After), then the next pass starts at `clock()`. A wait longer than `max_wait` is
    left to the next call (the clock's next tick), and so are retries after errors (minutes of back-off).
    """
    total = DeliveryReport()
    while True:
        report = deliver_all_due(sessions, client, render, clock(), limit=limit)
        total.add(report)
        total.resume_at = report.resume_at
        if report.resume_at is None:
            return total
        delay = (report.resume_at - clock()).total_seconds()
        if delay > max_wait.total_seconds():
            return total
        if delay > 0 and wait(delay):
            return total


class BackgroundDeliverer:
    """Delivers from a daemon thread whenever kicked, so neither a web request nor the tick waits for Slack.

    Each kick runs `deliver_until_idle`: a rate limit is waited out (up to `max_wait`) and delivery goes
    on until nothing is due. Kicks coalesce: any number of kicks during a pass lead to one more pass.
    `wait` defaults to a real wait that `stop()` cuts short; tests pass one that moves their clock.
    """

    def __init__(
        self,
        sessions: SessionFactory,
        client: WebClient,
        render: Renderer,
        clock: Clock,
        *,
        wait: Waiter | None = None,
        max_wait: timedelta = MAX_WAIT,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._render = render
        self._clock = clock
        self._max_wait = max_wait
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Told each pass's report (the clock logs it); set before the first kick.
        self.on_pass: Callable[[DeliveryReport], None] | None = None

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
        self._stop.set()
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
                report = deliver_until_idle(
                    self._sessions,
                    self._client,
                    self._render,
                    self._clock,
                    wait=self._wait,
                    max_wait=self._max_wait,
                )
                if self.on_pass is not None:
                    self.on_pass(report)
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
    users: tuple[str, ...]  # else: the DM with this Slack user, or a group DM with these (opened first)
    thread_ts: str | None
    update_ts: str | None = None  # chat.update this message instead of posting a new one

    @property
    def target(self) -> str | None:
        """What to post to: the channel, else the one user's id (Slack opens the DM); None for a new group."""
        return self.channel or (self.users[0] if len(self.users) == 1 else None)


@dataclass(frozen=True)
class _Outcome:
    result: Literal["sent", "retry", "rate_limited", "deferred", "failed", "dropped"]
    reason: str | None = None
    channel: str | None = None  # where it was posted
    ts: str | None = None
    retry_after: timedelta = DEFAULT_RETRY_AFTER
    dm_channel: str | None = None  # the person's DM, learned from chat.postMessage's answer
    group_unavailable: bool = False  # the group DM could not be opened: fall back to each DM
    method: str | None = None  # the Slack method that answered (rate_limited: the one held back)
    target: str | None = None  # the channel or user id posted to, when known


class _Holds:
    """What Slack held back during one pass (429s), so the pass asks no more of it than it may.

    A 429 on chat.postMessage to a channel that already took a message in this pass, right after a
    post that went through, is that channel's limit (about one a second): only its messages wait. Any
    other 429 on chat.postMessage (a fresh channel, or two 429s in a row) is taken for the workspace's
    limit and stops the pass. conversations.open and chat.update are limited per method.
    """

    def __init__(self) -> None:
        self.until: dict[tuple[str, str | None], datetime] = {}
        self.posted: set[str] = set()
        self.stopped = False
        self._last_limited = False  # the last call Slack answered was a 429

    def check(self, job: _Job) -> datetime | None:
        """When the job may go, if a limit met in this pass holds it back; None when it may go now."""
        if job.update_ts is not None:
            keys = [("chat.update", None)]
        else:
            keys = [("chat.postMessage", job.target)]
            if job.target is None:
                keys.append(("conversations.open", None))
        return max((self.until[key] for key in keys if key in self.until), default=None)

    def learn(self, outcome: _Outcome, now: datetime) -> None:
        if outcome.result == "sent":
            self.posted.update(c for c in (outcome.target, outcome.channel) if c)
            self._last_limited = False
        elif outcome.result == "rate_limited" and outcome.method:
            resume = now + outcome.retry_after
            if outcome.method != "chat.postMessage":
                self.until[(outcome.method, None)] = resume
            elif outcome.target in self.posted and not self._last_limited:
                self.until[(outcome.method, outcome.target)] = resume
            else:
                self.stopped = True
            self._last_limited = True


def _deliver_one(
    sessions: SessionFactory,
    client: WebClient,
    render: Renderer,
    row_id: int,
    claimed_until: datetime,
    now: datetime,
    holds: _Holds,
) -> _Outcome | None:
    with sessions() as session:
        prepared = _prepare(session, render, row_id, claimed_until)
    if prepared is None:
        return None
    outcome = prepared
    if isinstance(prepared, _Job):
        held_until = holds.check(prepared)
        if held_until is None:
            outcome = _send(client, prepared)
        else:  # Slack already said no to this channel or method in this pass: don't ask again
            outcome = _Outcome("deferred", reason="ratelimited", retry_after=held_until - now)
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
    channel = job.target
    method = "chat.postMessage"
    try:
        if channel is None:
            opened = _open(client, job)
            if isinstance(opened, _Outcome):
                return opened
            channel = opened
        if job.update_ts is not None:
            method = "chat.update"
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
        sent_to = str(response.get("channel") or channel)
        # Posted to a user id: Slack opened (or found) the DM and answered with its id; keep it.
        dm_channel = sent_to if job.channel is None and len(job.users) == 1 else None
        return _Outcome(
            "sent", channel=sent_to, ts=str(response["ts"]), dm_channel=dm_channel, target=channel
        )
    except Exception as exc:
        return replace(_classify(exc, job), method=method, target=channel)


def _open(client: WebClient, job: _Job) -> str | _Outcome:
    """The group DM with the job's users; one that can't be opened falls back to each person's DM."""
    try:
        opened = client.conversations_open(users=",".join(job.users))
    except SlackApiError as exc:
        outcome = replace(_classify(exc, job), method="conversations.open")
        if outcome.result == "failed":
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
        case "rate_limited" | "deferred":
            # Not the message's fault: no attempt counted, just wait as long as Slack asked.
            row.next_attempt_at = now + outcome.retry_after
            row.last_error = outcome.reason
            logger.info("outbox %s (%s): rate limited for %s", row.id, row.kind, outcome.retry_after)


def _count(report: DeliveryReport, outcome: _Outcome, now: datetime) -> None:
    match outcome.result:
        case "sent":
            report.sent += 1
        case "retry":
            report.retried += 1
        case "failed":
            report.failed += 1
        case "dropped":
            report.dropped += 1
        case "rate_limited" | "deferred":
            report.deferred += 1
            report.resume_at = _earliest(report.resume_at, now + outcome.retry_after)
