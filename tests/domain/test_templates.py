"""Topic templates' pure rules: the kinds and their steps, the keyword a topic may start with, who may raise
a concern, and when a held-back one shows to both (issue 14, part 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import DomainError, EmptyText
from bot.domain.templates import (
    CONCERN_MANAGER_ONLY,
    STEP_KEY_MAX_CHARS,
    TEMPLATES,
    TopicKind,
    check_may_add,
    held_back_when_added,
    parse_kind,
    shown_to_both,
    step_of,
    steps_of,
    template_of,
    visible_to,
)

START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_each_template_has_the_steps_the_practice_names_in_order() -> None:
    keys = {kind: [step.key for step in steps_of(kind)] for kind in TopicKind}
    assert keys == {
        TopicKind.PLAIN: [],
        TopicKind.GROW: ["goal", "reality", "options", "will"],
        TopicKind.CAREER: ["where-to", "strengths", "next-step", "support"],
        TopicKind.FEEDBACK: ["for-report", "for-manager"],
        TopicKind.CONCERN: ["expectation", "observed", "their-view", "support", "check-in"],
    }
    assert template_of(TopicKind.PLAIN) is None
    assert [step.label for step in steps_of(TopicKind.GROW)] == ["Goal", "Reality", "Options", "Will"]


def test_step_keys_fit_their_column_and_every_step_asks_something() -> None:
    for template in TEMPLATES.values():
        assert template.title and template.short
        assert len({step.key for step in template.steps}) == len(template.steps)
        for step in template.steps:
            assert 0 < len(step.key) <= STEP_KEY_MAX_CHARS and step.key == step.key.lower()
            assert step.label and step.prompt.endswith(("?", "."))
            assert len(step.prompt) <= 150  # a form hint or placeholder stays short


def test_a_concern_is_worded_about_the_work_and_asks_for_their_view_and_support() -> None:
    prompts = " ".join(step.prompt for step in steps_of(TopicKind.CONCERN)).lower()
    assert "specific" in prompts and "how do they see it" in prompts and "help" in prompts
    assert "not the person" in prompts


def test_a_step_is_found_by_its_kind_and_key_only() -> None:
    assert step_of(TopicKind.GROW, "will") == steps_of(TopicKind.GROW)[3]
    assert step_of(TopicKind.CAREER, "will") is None  # another kind's key
    assert step_of(TopicKind.PLAIN, "goal") is None
    assert step_of(TopicKind.GROW, "Will") is None  # keys are stored as they are


@pytest.mark.parametrize(
    ("typed", "kind", "text"),
    [
        ("grow: Becoming a tech lead", TopicKind.GROW, "Becoming a tech lead"),
        ("GROW:Becoming a tech lead", TopicKind.GROW, "Becoming a tech lead"),
        ("Career:  where next?", TopicKind.CAREER, "where next?"),
        ("feedback : the launch", TopicKind.FEEDBACK, "the launch"),
        ("concern: missed deadlines\nsince October", TopicKind.CONCERN, "missed deadlines\nsince October"),
        ("Growth: a plan", TopicKind.PLAIN, "Growth: a plan"),  # not a keyword
        ("my grow: plan", TopicKind.PLAIN, "my grow: plan"),  # not at the start
        ("Budget for Q1", TopicKind.PLAIN, "Budget for Q1"),
        ("plain: a topic", TopicKind.PLAIN, "plain: a topic"),  # plain is the default, not a keyword
        ("grow", TopicKind.PLAIN, "grow"),
        ("https://example.com/grow: x", TopicKind.PLAIN, "https://example.com/grow: x"),
    ],
)
def test_a_leading_keyword_picks_the_kind_and_the_rest_is_the_topic(
    typed: str, kind: TopicKind, text: str
) -> None:
    assert parse_kind(typed) == (kind, text)


@pytest.mark.parametrize("typed", ["grow:", "Career:   ", "concern:\n"])
def test_a_keyword_with_nothing_after_it_is_refused_with_what_to_write(typed: str) -> None:
    with pytest.raises(EmptyText) as refused:
        parse_kind(typed)
    assert "after `" in refused.value.message and typed.split(":")[0].lower() in refused.value.message


def test_only_the_manager_raises_a_concern_and_anyone_adds_the_other_kinds() -> None:
    check_may_add(TopicKind.CONCERN, adder_leads=True)
    for kind in (TopicKind.PLAIN, TopicKind.GROW, TopicKind.CAREER, TopicKind.FEEDBACK):
        check_may_add(kind, adder_leads=False)
    with pytest.raises(DomainError) as refused:
        check_may_add(TopicKind.CONCERN, adder_leads=False)
    assert refused.value.message == CONCERN_MANAGER_ONLY
    assert CONCERN_MANAGER_ONLY.startswith("Only the manager of the 1:1 can raise a performance concern")


def test_a_concern_is_held_back_unless_its_author_shares_it_and_nothing_else_ever_is() -> None:
    assert held_back_when_added(TopicKind.CONCERN, share=False)
    assert not held_back_when_added(TopicKind.CONCERN, share=True)
    assert not any(
        held_back_when_added(kind, share=False) for kind in TopicKind if kind is not TopicKind.CONCERN
    )


def test_a_held_back_topic_shows_to_both_from_its_meetings_start_and_to_its_author_always() -> None:
    assert not shown_to_both(START, START - timedelta(seconds=1))
    assert shown_to_both(START, START) and shown_to_both(START, START + timedelta(days=7))
    assert not shown_to_both(None, START)  # no meeting yet
    assert not shown_to_both(START, None)  # nobody said when: never early
    assert visible_to(held_back=True, author_id=1, viewer_id=1, meeting_started=False)
    assert not visible_to(held_back=True, author_id=1, viewer_id=2, meeting_started=False)
    assert visible_to(held_back=True, author_id=1, viewer_id=2, meeting_started=True)
    assert visible_to(held_back=False, author_id=1, viewer_id=2, meeting_started=False)
