"""Which Slack failures are retried, and how long each retry waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.outbox import backoff, is_retryable


@pytest.mark.parametrize(
    ("attempts", "minutes"), [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60)]
)
def test_retries_wait_1_2_4_minutes_and_so_on_up_to_an_hour(attempts: int, minutes: int) -> None:
    assert backoff(attempts) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("error", "http_status", "retryable"),
    [
        (None, 429, True),  # rate limited
        (None, 500, True),
        (None, 503, True),
        ("ratelimited", None, True),
        ("internal_error", 200, True),
        ("service_unavailable", None, True),
        (None, 400, False),
        (None, 404, False),
        ("channel_not_found", 200, False),
        ("user_not_found", None, False),
        (None, None, False),
    ],
)
def test_server_errors_and_rate_limits_are_retried_other_refusals_are_not(
    error: str | None, http_status: int | None, retryable: bool
) -> None:
    assert is_retryable(error, http_status) is retryable
