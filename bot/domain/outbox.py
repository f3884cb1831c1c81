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


class MessageKind(StrEnum):
    """What an outgoing message is; the Slack layer renders each kind at delivery."""

    PROMPT = "prompt"  # before a meeting: asks for topics, shows the agenda
    SERIES_ANNOUNCED = "series_announced"  # to the person a series was set up with
    SERIES_CANCELLED = "series_cancelled"
    MEETING_SKIPPED = "meeting_skipped"
    MEETING_MOVED = "meeting_moved"
    TOPIC_CONFIRMED = "topic_confirmed"  # thread reply under a DM that became a topic
    WHICH_MEETING = "which_meeting"  # thread reply asking which 1:1 a DM'd topic is for
    NO_MEETING = "no_meeting"  # thread reply: a DM'd topic with no 1:1 to go to
    FOLLOW_UP = "follow_up"  # right after a meeting: "How did it go?"
    SUMMARY = "summary"  # the meeting's record, in the pair's group DM (or each DM as a fallback)
    SUMMARY_UPDATE = "summary_update"  # chat.update of a sent summary: an addition, an item done
    SUMMARY_ADDED = "summary_added"  # thread reply under the summary when the second person adds
    NUDGE = "nudge"  # the meeting didn't happen: slots to reschedule, or skip it
    MEETING_REBOOKED = "meeting_rebooked"  # a nudge slot was chosen: both are told
    HOME = "home"  # views.publish of a person's Home tab, coalesced per person
    SERIES_CHANGED = "series_changed"  # to the other person: what an edit of the series changed
    ACTION_DONE = "action_done"  # thread reply under the summary: an item was marked done
    STILL_OPEN = "still_open"  # thread reply under the last summary before the next 1:1: what is open
    AWAY_NOTICE = "away_notice"  # to the other person: a 1:1 won't happen, someone is away (Reschedule, Skip)
    # People own their data (issue 15).
    EXPORT = "export"  # a person's export: two files uploaded to their DM (files.getUploadURLExternal …)
    PARTNER_LEFT = "partner_left"  # to the other person: a Slack account was deactivated, the 1:1 is paused
    PARTNER_BACK = "partner_back"  # to the other person: the account is back, the 1:1 resumes
    PARTNER_ERASED = "partner_erased"  # to the other person: someone deleted their data, the 1:1 ended
    HANDOFF_ASKED = "handoff_asked"  # to the report: confirm moving the 1:1's history to a new manager
    HANDOFF_DONE = "handoff_done"  # to each of the three: the history moved (or the report declined)


# Older key prefixes that differ from their kind's value. Stored rows hold them and a key is what makes
# a message go out once, so they stay exactly as they are (a new kind uses its own value: no prefix).
SERIES_KEY_PREFIX = "series"  # series_announced and series_cancelled: "series:<series>:announced|cancelled"
MOVED_KEY_PREFIX = "moved"  # meeting_moved: "moved:<meeting>:<new start, Unix time>"
# meeting_skipped by `/1on1 skip` is "skipped:<meeting>"; by a nudge's "Skip this one" it is
# "meeting_skipped:<meeting>" (the kind's own value): the two ways of skipping never shared a key.
SKIPPED_KEY_PREFIX = "skipped"


def outbox_key(kind: MessageKind, *parts: object, prefix: str | None = None) -> str:
    """An outgoing message's idempotency key: `kind:part:part…`, or `prefix:part…` for an older key above."""
    return ":".join(str(part) for part in (prefix or kind.value, *parts))
