"""What is due for a meeting after its end: the question first, nudges GRACE after what was said, then missed,
in that order however the clock ticked (bot/domain/catch_up.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catch_up import AfterMeeting, Due, asked_late, due_now, last_said
from bot.domain.meetings import GRACE, MAX_NUDGES, TOO_LATE_TO_CHASE, MeetingStatus

END = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)
ENDED = AfterMeeting(MeetingStatus.SCHEDULED, END)


def asked(at: datetime, nudges: int = 0, last_nudged_at: datetime | None = None) -> AfterMeeting:
    return replace(ENDED, followup_queued_at=at, nudge_count=nudges, last_nudged_at=last_nudged_at)


@pytest.mark.parametrize("now", [END - timedelta(minutes=30), END - SECOND])
def test_nothing_is_due_before_the_end(now: datetime) -> None:
    assert due_now(ENDED, now) is Due.NOTHING


@pytest.mark.parametrize(
    "status", [MeetingStatus.HELD, MeetingStatus.SKIPPED, MeetingStatus.MISSED, MeetingStatus.CANCELLED]
)
@pytest.mark.parametrize("since_the_end", [timedelta(0), 3 * GRACE, TOO_LATE_TO_CHASE + SECOND])
def test_a_settled_meeting_is_never_asked_nudged_or_counted(
    status: MeetingStatus, since_the_end: timedelta
) -> None:
    for meeting in (
        replace(ENDED, status=status),
        replace(asked(END, nudges=1, last_nudged_at=END), status=status),
    ):
        assert due_now(meeting, END + since_the_end) is Due.NOTHING


@pytest.mark.parametrize(
    "since_the_end", [timedelta(0), GRACE - SECOND, GRACE, 3 * GRACE, timedelta(days=6), TOO_LATE_TO_CHASE]
)
def test_a_meeting_nobody_was_asked_about_is_asked_first_however_long_the_clock_was_down(
    since_the_end: timedelta,
) -> None:
    assert due_now(ENDED, END + since_the_end) is Due.ASK


def test_over_a_week_late_it_is_only_counted_as_missed() -> None:
    assert due_now(ENDED, END + TOO_LATE_TO_CHASE + SECOND) is Due.MISSED


@pytest.mark.parametrize("asked_at", [END, END + GRACE, END + timedelta(days=6), END + TOO_LATE_TO_CHASE])
def test_the_nudge_comes_grace_after_the_question_not_after_the_end(asked_at: datetime) -> None:
    assert due_now(asked(asked_at), asked_at) is Due.NOTHING  # never in the tick that asked
    assert due_now(asked(asked_at), asked_at + GRACE - SECOND) is Due.NOTHING
    assert due_now(asked(asked_at), asked_at + GRACE) is Due.NUDGE


def test_the_last_call_comes_grace_after_the_first_nudge_then_it_is_missed() -> None:
    first = END + timedelta(days=6, hours=1)  # asked 6 days late, then nudged at once when due
    once = asked(END + timedelta(days=5), nudges=1, last_nudged_at=first)
    assert due_now(once, first + GRACE - SECOND) is Due.NOTHING
    assert due_now(once, first + GRACE) is Due.NUDGE
    twice = replace(once, nudge_count=MAX_NUDGES, last_nudged_at=first + GRACE)
    assert due_now(twice, first + 2 * GRACE - SECOND) is Due.NOTHING
    assert due_now(twice, first + 2 * GRACE) is Due.MISSED


def test_a_chase_the_clock_left_for_over_a_week_is_counted_not_nudged() -> None:
    assert due_now(asked(END), END + TOO_LATE_TO_CHASE) is Due.NUDGE
    assert due_now(asked(END), END + TOO_LATE_TO_CHASE + SECOND) is Due.MISSED
    late = END + timedelta(days=3)  # the week counts from the question
    assert due_now(asked(late), late + TOO_LATE_TO_CHASE) is Due.NUDGE
    assert due_now(asked(late), late + TOO_LATE_TO_CHASE + SECOND) is Due.MISSED


def test_it_didnt_happen_right_after_the_question_moves_the_last_call() -> None:
    reported = END + timedelta(hours=2)
    meeting = asked(END, nudges=1, last_nudged_at=reported)
    assert due_now(meeting, END + GRACE) is Due.NOTHING
    assert due_now(meeting, reported + GRACE) is Due.NUDGE


def test_last_said_is_whichever_came_last() -> None:
    assert last_said(END, None) == END
    assert last_said(END, END + GRACE) == END + GRACE
    # An old "It didn't happen" of a rebooked meeting, clicked before the tick asked about its new time.
    assert last_said(END + GRACE, END) == END + GRACE


@pytest.mark.parametrize(
    ("asked_at", "late"),
    [
        (None, False),
        (END, False),
        (END + GRACE - SECOND, False),
        (END + GRACE, True),
        (END + timedelta(days=6), True),
    ],
)
def test_a_question_asked_a_grace_period_late_names_the_meeting(
    asked_at: datetime | None, late: bool
) -> None:
    assert asked_late(END, asked_at) is late


def _live(gaps: list[timedelta]) -> list[tuple[datetime, Due]]:
    """Tick after the end at these gaps, doing what is due as the services do, then once more a month later;
    what was done, when."""
    meeting, now, done = ENDED, END, []
    for gap in [*gaps, timedelta(days=30)]:
        now += gap
        due = due_now(meeting, now)
        if due is Due.ASK:
            meeting = replace(meeting, followup_queued_at=now)
        elif due is Due.NUDGE:
            meeting = replace(meeting, nudge_count=meeting.nudge_count + 1, last_nudged_at=now)
        elif due is Due.MISSED:
            meeting = replace(meeting, status=MeetingStatus.MISSED)
        if due is not Due.NOTHING:
            done.append((now, due))
    return done


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.timedeltas(timedelta(0), timedelta(hours=2)),  # a clock ticking now and then
            st.timedeltas(timedelta(hours=2), timedelta(days=9)),  # the clock down for a while
        ),
        max_size=40,
    )
)
def test_whatever_the_outages_the_life_runs_in_order(gaps: list[timedelta]) -> None:
    done = _live(gaps)
    kinds = [due for _, due in done]
    assert kinds in (
        [Due.MISSED],
        [Due.ASK, Due.MISSED],
        *([Due.ASK, *[Due.NUDGE] * nudges, Due.MISSED] for nudges in range(1, MAX_NUDGES + 1)),
    )
    if kinds[0] is Due.ASK:
        assert done[0][0] - END <= TOO_LATE_TO_CHASE
    else:  # counted without a word only when the first tick after the end came over a week late
        assert done[0][0] - END > TOO_LATE_TO_CHASE
    for (before, _), (at, _) in pairwise(done):
        assert at - before >= GRACE  # time to answer what was said last
