"""Last time's rules: which lines of a summary are its points and its decisions, which agendas are only
status updates, and which question a status-only agenda is offered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.last_time import (
    NUDGE_THEMES,
    decision_text,
    digest,
    is_decision,
    is_status_update,
    lines_of,
    nudge_question,
    only_status_updates,
)
from bot.domain.questions import BANK, Theme, question_by_key
from bot.domain.templates import TopicKind

# --- key points and decisions ----------------------------------------------------------------------------


def test_the_first_two_lines_are_the_points_and_more_is_said_when_there_was_more() -> None:
    read = digest(["\n  Reviewed the Q1 roadmap\n\n- Talked about the offsite\n• Hiring is slow\n"])
    assert read.points == ["Reviewed the Q1 roadmap", "Talked about the offsite"]
    assert read.more and read.decisions == []


def test_two_lines_or_fewer_are_all_there_is() -> None:
    assert digest(["One line"]) == digest(["One line", ""]) == digest(["One line\n\n   "])
    read = digest(["One line", "Another, from the second summary"])
    assert read.points == ["One line", "Another, from the second summary"] and not read.more
    assert digest([]).points == [] and not digest([""]).more


def test_decisions_are_listed_apart_and_not_counted_among_the_points() -> None:
    read = digest(["Decided: Bob leads the offsite\nReviewed the roadmap\nWe agreed to hire two\nBudget"])
    assert read.points == ["Reviewed the roadmap", "Budget"] and not read.more
    assert read.decisions == ["Bob leads the offsite", "We agreed to hire two"]


@pytest.mark.parametrize(
    "line",
    [
        "Decided to move the launch to March",
        "decided: weekly demos",
        "Decision: Postgres for the new service",
        "DECISIONS - two reviewers per PR",
        "Agreed on a promotion plan",
        "agreed: Bob owns on-call",
        "We agreed to pair on Fridays",
        "We have decided to drop the legacy API",
        "we all agreed the retro is useful",
        "→ Alice talks to finance",
        "-> ship behind a flag",
        "=> no meetings on Fridays",
        "- Decided: a written agenda every week",
        "• Agreed to revisit in January",
        "2. Decision: keep the cadence",
    ],
)
def test_lines_marked_as_decisions(line: str) -> None:
    assert is_decision(line)


@pytest.mark.parametrize(
    "line",
    [
        "Decision pending on the budget",
        "Decidedly a hard quarter",
        "Agreement with the vendor is late",
        "Not decided yet: the offsite",
        "Talked about what we agreed last month",
        "Nobody agreed",
        "Bob decided to take a week off",
        "Arrows → are fine in the middle",
        "",
    ],
)
def test_lines_that_are_not_decisions(line: str) -> None:
    assert not is_decision(line)


def test_a_decisions_label_or_arrow_goes_its_words_stay() -> None:
    assert decision_text("Decision: Postgres") == "Postgres"
    assert decision_text("- → Alice talks to finance") == "Alice talks to finance"
    assert decision_text("We agreed to pair") == "We agreed to pair"
    assert decision_text("Decided to move") == "Decided to move"
    assert decision_text("Agreed: Bob owns on-call") == decision_text("decided - Bob owns on-call")
    assert decision_text("decided - Bob owns on-call") == "Bob owns on-call"
    assert decision_text("Decision:") == "Decision:"  # nothing after the label: the line as written


def test_bullets_people_type_are_dropped_but_not_words_or_numbers_in_a_line() -> None:
    assert lines_of(["- a", "* b\n• c", "1. d", "10) e", "2026 plan", "-5% churn", "*bold* start"]) == [
        "a",
        "b",
        "c",
        "d",
        "e",
        "2026 plan",
        "-5% churn",
        "*bold* start",
    ]


@given(st.lists(st.text(max_size=80), max_size=5))
def test_a_digest_never_shows_more_than_two_points_and_loses_no_decision(texts: list[str]) -> None:
    read = digest(texts)
    lines = lines_of(texts)
    assert len(read.points) <= 2 and all(point in lines for point in read.points)
    assert len(read.decisions) == sum(1 for line in lines if is_decision(line))
    assert read.more == (sum(1 for line in lines if not is_decision(line)) > 2)


# --- status updates ---------------------------------------------------------------------------------------

STATUS = [
    "Status of the billing migration",
    "Update on the API",
    "Updates",
    "Progress on the Q1 roadmap",
    "Done: the login page",
    "Finished the onboarding docs",
    "Shipped the export feature",
    "Merged the refactor",
    "PR #482 review",
    "#91 and #92",
    "https://github.com/acme/app/pull/1234",
    "ABC-123",
    "PAY-42 and PAY-43 are deployed",
    "Deployed 2.3 to staging",
    "Sprint 14 planning",
    "Notes from standup",
    "Stand-up format",
    "Blocked on the design review",
    "Release 2.4",
    "ETA for the search rewrite",
    "Backlog grooming",
    "Hotfix for the crash",
    "Ticket triage",
    "Code review turnaround",
    "Milestone 3 is on track",
    "Rolled out the new dashboard",
    "Bug fixes this week",
    "WIP: data export",
]

NOT_STATUS = [
    "How is the team doing?",
    "Should I take on the ABC-123 rewrite?",
    "Can I lead the next sprint?",
    "Career path after the release",
    "Promotion timeline",
    "Feedback on my code review",
    "How I feel about the reorg",
    "Feeling stretched by the deadlines",
    "Stress around the launch",
    "I'm burned out after the release",
    "What I learned from the outage",
    "Learning Rust",
    "Growth plan",
    "Goals for next quarter",
    "A mentor for the new role",
    "Workload since the migration",
    "Work-life balance",
    "Worried about the deploy process",
    "Ideas for the offsite",
    "Skills I want to build",
    "Budget",
    "The offsite",
    "Q1-2027 planning",  # a quarter, not a ticket
    "Hiring",
    "",
]


@pytest.mark.parametrize("text", STATUS)
def test_lines_that_read_as_status_updates(text: str) -> None:
    assert is_status_update(text)


@pytest.mark.parametrize("text", NOT_STATUS)
def test_lines_that_are_not_status_updates(text: str) -> None:
    assert not is_status_update(text)


@pytest.mark.parametrize("kind", [kind for kind in TopicKind if kind is not TopicKind.PLAIN])
def test_a_templated_topic_is_never_a_status_update(kind: TopicKind) -> None:
    assert is_status_update("Status of ABC-123", TopicKind.PLAIN)
    assert not is_status_update("Status of ABC-123", kind)


def test_an_agenda_is_only_status_updates_when_it_has_some_and_nothing_else() -> None:
    plain = TopicKind.PLAIN
    assert only_status_updates([("Update on the API", plain), ("PR #12", plain), ("ABC-1 shipped", plain)])
    assert only_status_updates([("Sprint review", plain)])
    assert not only_status_updates([])
    assert not only_status_updates([("Update on the API", plain), ("What I'd like to learn next", plain)])
    assert not only_status_updates([("Update on the API", plain), ("Budget", plain)])
    assert not only_status_updates([("Update on the API", plain), ("Next steps", TopicKind.GROW)])


def test_only_status_updates_reads_any_iterable_once() -> None:
    topics = iter([("Update on the API", TopicKind.PLAIN), ("PR #12", TopicKind.PLAIN)])
    assert only_status_updates(topics)


# --- the question a status-only agenda is offered --------------------------------------------------------

THEMED = [q.key for q in BANK if q.theme in NUDGE_THEMES]


def theme_of(key: str) -> Theme:
    question = question_by_key(key)
    assert question is not None
    return question.theme


def test_the_nudge_themes_are_growth_feedback_and_wellbeing() -> None:
    assert {Theme.GROWTH, Theme.FEEDBACK, Theme.WELLBEING} == NUDGE_THEMES
    assert len(THEMED) >= 3


def test_the_meetings_own_question_is_offered_when_it_is_of_those_themes() -> None:
    own = THEMED[0]
    found = nudge_question(own, [own], set(), seed="1:1")
    assert found is not None and found.key == own


def test_a_question_of_another_theme_is_not_offered_one_of_the_themes_is() -> None:
    other = next(q.key for q in BANK if q.theme not in NUDGE_THEMES)
    found = nudge_question(other, [other], set(), seed="1:1")
    assert found is not None and found.theme in NUDGE_THEMES and found.key != other


def test_the_choice_is_the_same_for_the_same_pair_and_meeting() -> None:
    picks = {nudge_question(None, [], set(), seed="7:70") for _ in range(5)}
    assert len(picks) == 1
    assert len({nudge_question(None, [], set(), seed=f"7:{meeting}") for meeting in range(40)}) > 1


@given(st.lists(st.sampled_from([q.key for q in BANK]), max_size=60), st.integers(1, 10_000))
def test_a_question_seen_this_round_or_retired_is_not_offered(history: list[str], seed: int) -> None:
    retired = set(THEMED[:3])
    found = nudge_question(None, history, retired, seed=str(seed))
    assert found is not None and found.theme in NUDGE_THEMES and found.key not in retired
    pool = [key for key in THEMED if key not in retired]
    seen: set[str] = set()
    for key in history:  # the current round of the pool
        if key in pool:
            seen.add(key)
            if seen == set(pool):
                seen = set()
    assert found.key not in seen


def test_once_a_round_is_over_the_questions_come_again() -> None:
    found = nudge_question(None, THEMED, set(), seed="3:30")
    assert found is not None and found.key in THEMED


def test_a_retired_own_question_is_not_offered_and_none_is_left_when_all_are_retired() -> None:
    own = THEMED[0]
    found = nudge_question(own, [], {own}, seed="1:1")
    assert found is not None and found.key != own
    assert nudge_question(own, [], set(THEMED), seed="1:1") is None
