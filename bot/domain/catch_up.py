"""What is due for a meeting after its end, now: ask how it went, nudge, count it as missed, or nothing.

The steps come in the order of the meeting's life (DESIGN.md, "The meeting's life"), at most one per
tick, even when the clock was down: "How did your 1:1 go?" first, a reschedule nudge GRACE after the
last thing said about the meeting (the question, then each nudge), at most MAX_NUDGES nudges, then
missed. Only a meeting that ended longer than TOO_LATE_TO_CHASE ago before anyone was asked, or whose
chase began that long ago, is counted as missed without a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.meetings import GRACE, MAX_NUDGES, TOO_LATE_TO_CHASE, MeetingStatus


class Due(StrEnum):
    NOTHING = "nothing"  # under way, not yet time, or settled (held, skipped, missed, cancelled)
    ASK = "ask"  # "How did your 1:1 go?"
    NUDGE = "nudge"  # new times to pick, or skip it
    MISSED = "missed"  # count it as missed, without a word


@dataclass(frozen=True)
class AfterMeeting:
    """What the bot has done about a meeting since its end (the meeting row's columns of the same names)."""

    status: MeetingStatus
    ends_at: datetime
    followup_queued_at: datetime | None = None  # when "How did it go?" was asked (or the end only marked)
    nudge_count: int = 0
    last_nudged_at: datetime | None = None


def due_now(meeting: AfterMeeting, now: datetime) -> Due:
    if meeting.status is not MeetingStatus.SCHEDULED or now < meeting.ends_at:
        return Due.NOTHING
    if meeting.followup_queued_at is None:
        return Due.MISSED if now - meeting.ends_at > TOO_LATE_TO_CHASE else Due.ASK
    if now - last_said(meeting.followup_queued_at, meeting.last_nudged_at) < GRACE:
        return Due.NOTHING  # time to answer the question (or the nudge) first
    if meeting.nudge_count >= MAX_NUDGES or now - meeting.followup_queued_at > TOO_LATE_TO_CHASE:
        return Due.MISSED
    return Due.NUDGE


def last_said(followup_queued_at: datetime, last_nudged_at: datetime | None) -> datetime:
    """When the bot last spoke about the meeting: the chase counts GRACE from here, never from the end."""
    # Whichever came last: a nudge precedes the question only when an old "It didn't happen" button of a
    # rebooked meeting is clicked after its new end, before the tick asked about it again.
    return followup_queued_at if last_nudged_at is None else max(followup_queued_at, last_nudged_at)


def asked_late(ends_at: datetime, followup_queued_at: datetime | None) -> bool:
    """Asked how it went only when it would have been nudged already (the clock was down): the question
    then names the meeting's day, which nobody can take for granted days later."""
    return followup_queued_at is not None and followup_queued_at - ends_at >= GRACE
