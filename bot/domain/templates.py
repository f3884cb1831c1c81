"""Topic templates: the kinds of conversation a topic can be (issue 14, part 2), each with its steps.

A plain topic is a line of text; the others carry prompts the two fill in during the meeting, and their
outcomes are recorded per step in the summary. Different moments need different modes: coaching (GROW),
mentoring (a career conversation), feedback both ways, and, rarely, a performance concern, which only the
manager raises and which stays with its author until the meeting unless they share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.errors import DomainError, EmptyText

STEP_KEY_MAX_CHARS = 16  # TemplateOutcome.step's column


class TopicKind(StrEnum):
    PLAIN = "plain"
    GROW = "grow"  # coaching: goal, reality, options, will
    CAREER = "career"  # a career conversation
    FEEDBACK = "feedback"  # feedback both ways
    CONCERN = "concern"  # a performance concern: the manager's, held back until the meeting


@dataclass(frozen=True)
class Step:
    """One part of a templated conversation. `key` is stored with its outcome: never rename one."""

    key: str
    label: str
    prompt: str


@dataclass(frozen=True)
class Template:
    kind: TopicKind
    title: str  # what the kind is called in a menu and on the agenda
    short: str  # its name in a form label ("GROW · Will")
    steps: tuple[Step, ...]


TEMPLATES: dict[TopicKind, Template] = {
    TopicKind.GROW: Template(
        TopicKind.GROW,
        "GROW coaching",
        "GROW",
        (
            Step("goal", "Goal", "What do you want to achieve, and how will you know you got there?"),
            Step("reality", "Reality", "Where are things now? What have you tried, and what's in the way?"),
            Step("options", "Options", "What could you do? A few ways forward before picking one."),
            Step("will", "Will", "What will you do next, by when, and how sure are you that you will?"),
        ),
    ),
    TopicKind.CAREER: Template(
        TopicKind.CAREER,
        "Career conversation",
        "Career",
        (
            Step("where-to", "Where to", "Where would you like to be in a year or two, and what draws you?"),
            Step("strengths", "Strengths", "What are you best at, and what do you enjoy doing most?"),
            Step("next-step", "Next step", "One concrete step toward it: a skill, a project, a stretch."),
            Step("support", "Support", "What would help: from your manager, a mentor, a course?"),
        ),
    ),
    TopicKind.FEEDBACK: Template(
        TopicKind.FEEDBACK,
        "Feedback both ways",
        "Feedback",
        (
            Step("for-report", "For the report", "What's going well, and what could be even better?"),
            Step(
                "for-manager", "For the manager", "What's going well, and what could the manager do better?"
            ),
        ),
    ),
    TopicKind.CONCERN: Template(
        TopicKind.CONCERN,
        "Performance concern",
        "Concern",
        (
            Step(
                "expectation",
                "Expectation",
                "What is expected, and why it matters: the work, not the person.",
            ),
            Step(
                "observed", "What was seen", "Specific, recent examples: what happened, when, and its effect."
            ),
            Step("their-view", "Their view", "Listen first: how do they see it, and what gets in the way?"),
            Step("support", "Support", "What will help: clearer priorities, coaching, time, resources."),
            Step("check-in", "Check-in", "When will you look at it together again, and what is progress?"),
        ),
    ),
}

# `add-topic grow: …`: the words a topic may start with to pick its kind.
KEYWORDS: dict[str, TopicKind] = {kind.value: kind for kind in TEMPLATES}

CONCERN_MANAGER_ONLY = (
    "Only the manager of the 1:1 can raise a performance concern. To talk about something that worries "
    "you, add it as a plain topic (without concern:), or pick another kind."
)


def template_of(kind: TopicKind) -> Template | None:
    """The kind's template; None for a plain topic."""
    return TEMPLATES.get(kind)


def steps_of(kind: TopicKind) -> tuple[Step, ...]:
    template = TEMPLATES.get(kind)
    return template.steps if template else ()


def step_of(kind: TopicKind, key: str) -> Step | None:
    """The step of that kind with that key, or None (a forged key, or a plain topic's)."""
    return next((step for step in steps_of(kind) if step.key == key), None)


def parse_kind(text: str) -> tuple[TopicKind, str]:
    """A topic's kind from a leading keyword (`grow: …`, any case) and the rest as its text.

    Text without a keyword is a plain topic, unchanged. A keyword with nothing after it is refused.
    """
    head, colon, rest = text.partition(":")
    kind = KEYWORDS.get(head.strip().lower()) if colon else None
    if kind is None:
        return TopicKind.PLAIN, text
    rest = rest.strip()
    if not rest:
        raise EmptyText(f"Write what the {TEMPLATES[kind].title.lower()} is about after `{kind.value}:`.")
    return kind, rest


def check_may_add(kind: TopicKind, *, adder_leads: bool) -> None:
    """Only the manager of the 1:1 raises a performance concern; any kind is open to both otherwise."""
    if kind is TopicKind.CONCERN and not adder_leads:
        raise DomainError(CONCERN_MANAGER_ONLY)


def held_back_when_added(kind: TopicKind, *, share: bool) -> bool:
    """A concern stays with its author until the meeting starts, unless they choose to share it now."""
    return kind is TopicKind.CONCERN and not share


def shown_to_both(starts_at: datetime | None, now: datetime | None) -> bool:
    """Whether a held-back topic on the agenda of a meeting starting at `starts_at` is shown to both people
    at `now`: once the meeting has started. No meeting (or no clock) yet: still its author's alone."""
    return starts_at is not None and now is not None and starts_at <= now


def visible_to(*, held_back: bool, author_id: int, viewer_id: int, meeting_started: bool) -> bool:
    """Whether a topic shows to `viewer_id`: a held-back one only to its author until the meeting starts."""
    return not held_back or author_id == viewer_id or meeting_started
