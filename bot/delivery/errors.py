"""What a failed Slack call means: rate limited (for its Retry-After), worth a retry, or final."""

from __future__ import annotations

import http.client
import logging
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import SlackResponse

from bot.delivery.jobs import DEFAULT_RETRY_AFTER, Job, Outcome
from bot.domain.outbox import is_retryable

logger = logging.getLogger(__name__)

# Connection trouble: urllib's URLError and socket timeouts are OSErrors; http.client can fail on its own.
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def classify(exc: Exception, job: Job) -> Outcome:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = _error_code(exc.response) or f"http_{status}"
        if status == 429:
            return Outcome("rate_limited", reason="ratelimited", retry_after=_retry_after(exc.response))
        if is_retryable(error, status):
            return Outcome("retry", reason=error)
        return Outcome("failed", reason=error)
    if isinstance(exc, (*_TRANSPORT_ERRORS, SlackClientError)):
        return Outcome("retry", reason=type(exc).__name__)
    # Not a Slack answer nor a network problem: a bug of ours, so keep the message for the fix.
    logger.exception("outbox %s (%s): unexpected error while sending", job.row_id, job.kind)
    return Outcome("retry", reason="unexpected_error")


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
