"""The pulse's rules, without a database: who is offered the check-in, until when a tap counts, the sparkline
and the runs said in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.pulse import (
    BARS,
    GAP,
    SCALE,
    Feeling,
    Run,
    check_open,
    falling_streak,
    notable_runs,
    offered,
    rising_streak,
    sparkline,
    still_open,
)

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


# --- the sparkline ----------------------------------------------------------------------------------------


def test_each_score_is_one_bar_and_the_scales_ends_are_the_lowest_and_the_full_bar() -> None:
    assert sparkline([1, 2, 3, 4, 5]) == "▁▃▄▆█"
    assert sparkline([1]) == "▁" and sparkline([5]) == "█"
    assert [BARS[score] for score in SCALE] == sorted(BARS.values())  # higher score, taller bar


def test_a_meeting_without_an_answer_is_a_gap_where_it_was() -> None:
    assert sparkline([None, 3, None, None, 5]) == f"{GAP}▄{GAP}{GAP}█"
    assert sparkline([None]) == GAP
    assert sparkline([]) == ""


def test_a_value_off_the_scale_shows_as_a_gap_not_a_made_up_bar() -> None:
    assert sparkline([0, 6, 3]) == f"{GAP}{GAP}▄"


# --- runs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "rising", "falling"),
    [
        ([2, 3, 4, 5], 3, 0),
        ([5, 4, 3, 2], 0, 3),
        ([1, 5, 2, 3, 4], 2, 0),  # only the run that ends with the latest
        ([3, 3, 4], 1, 0),  # the same is no rise
        ([4, 4], 0, 0),
        ([2, None, 3, 4], 1, 0),  # a gap ends a run
        ([2, 3, None], 0, 0),  # no answer last: nothing to say about now
        ([3], 0, 0),
        ([], 0, 0),
    ],
)
def test_a_run_counts_the_meetings_in_a_row_up_to_the_latest(
    values: list[int | None], rising: int, falling: int
) -> None:
    assert (rising_streak(values), falling_streak(values)) == (rising, falling)


def test_stress_up_three_meetings_in_a_row_is_said_in_words() -> None:
    trend = {Feeling.STRESSED: (2, 3, 4, 5)}
    assert notable_runs(trend) == [Run(Feeling.STRESSED, "up", 3)]
    assert notable_runs(trend)[0].words() == "stress up three meetings in a row"


def test_happiness_and_engagement_going_down_are_said_and_in_the_feelings_order() -> None:
    trend = {
        Feeling.ENGAGED: (5, 4, 3),
        Feeling.HAPPY: (4, 3, 2, 1),
        Feeling.STRESSED: (1, 2, 3),
        Feeling.CHALLENGED: (1, 2, 3, 4, 5),  # too much or too little: a run alone says nothing
    }
    assert [run.words() for run in notable_runs(trend)] == [
        "happiness down three meetings in a row",
        "stress up two meetings in a row",
        "engagement down two meetings in a row",
    ]


def test_a_single_move_or_a_move_the_good_way_is_not_worth_a_word() -> None:
    trend = {
        Feeling.STRESSED: (3, 4),  # once
        Feeling.HAPPY: (1, 2, 3, 4),  # happier
        Feeling.ENGAGED: (2, 3, 4),  # more engaged
    }
    assert notable_runs(trend) == []


def test_a_run_across_the_whole_window_reads_as_a_number_of_meetings() -> None:
    assert Run(Feeling.STRESSED, "up", 7).words() == "stress up seven meetings in a row"
    assert Run(Feeling.STRESSED, "up", 12).words() == "stress up 12 meetings in a row"


# --- who is offered the check-in, and until when ------------------------------------------------------------


@pytest.mark.parametrize(
    ("i_lead", "as_report", "as_manager", "expected"),
    [
        (False, True, False, True),  # the report, by default
        (False, False, False, False),  # the report turned it off
        (False, False, True, False),  # turning it on as a manager doesn't bring it back as a report
        (True, True, False, False),  # the manager, by default
        (True, True, True, True),  # the manager turned it on
        (True, False, True, True),
        (None, True, True, False),  # nobody leads the pair yet: to nobody
    ],
)
def test_the_check_in_is_offered_to_the_report_unless_off_and_to_the_manager_only_once_on(
    i_lead: bool | None, as_report: bool, as_manager: bool, expected: bool
) -> None:
    assert offered(i_lead, as_report, as_manager) is expected


def test_a_tap_counts_until_the_meeting_starts() -> None:
    just_before = START - timedelta(seconds=1)
    assert still_open(MeetingStatus.SCHEDULED, START, just_before)
    check_open(MeetingStatus.SCHEDULED, START, just_before)
    assert not still_open(MeetingStatus.SCHEDULED, START, START)
    with pytest.raises(DomainError, match="has started, so its check-in is closed"):
        check_open(MeetingStatus.SCHEDULED, START, START)


@pytest.mark.parametrize("status", [s for s in MeetingStatus if s is not MeetingStatus.SCHEDULED])
def test_a_meeting_not_going_ahead_takes_no_tap(status: MeetingStatus) -> None:
    before = START - timedelta(hours=1)
    assert not still_open(status, START, before)
    with pytest.raises(DomainError, match="isn't going ahead"):
        check_open(status, START, before)
