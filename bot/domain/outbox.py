"""What becomes of an outgoing message, and which Slack failures are worth another try."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanent: recorded with its reason, never retried
    DROPPED = "dropped"  # no longer worth sending (e.g. the meeting was cancelled before delivery)


# Slack error codes that mean "try again later"; any other `ok: false` is permanent
# (user_not_found, account_inactive, channel_not_found, invalid_blocks, …).
RETRYABLE_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "service_unavailable",
        "fatal_error",
        "request_timeout",
        "team_added_to_org",
    }
)

MAX_BACKOFF = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts` (1-based) after a server or network error: 1, 2, 4 … 60 minutes."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def is_retryable(error: str | None, http_status: int | None) -> bool:
    if http_status is not None and (http_status == 429 or http_status >= 500):
        return True
    return error in RETRYABLE_ERRORS
