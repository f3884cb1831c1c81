"""Last time and the status-only agenda (issue 14, part 3): pure rules over text people wrote.

A 1:1 is a series: each one opens with what the previous one agreed (its key points, its decisions). And it
is the report's meeting, not a status update: an agenda of status lines alone is worth a kind word
(PRACTICES.md). Both rules read plain text and only choose what to show; nothing is stored from them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.domain.questions import BANK, Question, Theme, question_by_key
from bot.domain.templates import TopicKind

KEY_POINT_LINES = 2  # "last time" in two lines: enough to jog the memory, short enough to read

# A bullet people type before a line ("- ", "* ", "• ", "1. "): our own bullets replace it.
_BULLET = re.compile(r"^\s*(?:[-*•·◦‣]|\d{1,2}[.)])\s+")
# A decision: "Decided …", "Decision: …", "Agreed …", "We agreed …", "→ …" (case aside). "Decision" needs its
# colon so that "Decision pending on the budget" is not taken for one.
_DECISION = re.compile(
    r"""^(?:
        (?:decided|agreed)\b
      | we\s+(?:have\s+|all\s+)?(?:decided|agreed)\b
      | decisions?\s*[:\-–—]
      | (?:→|->|=>|⇒)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# What adds nothing under a "Decided" heading: a label ("Decision:", "Agreed:") or an arrow.
_DECISION_LABEL = re.compile(r"^(?:(?:decisions?|decided|agreed)\s*[:\-–—]|→|->|=>|⇒)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Digest:
    """A meeting's key points, read for the next one: the first lines, whether there was more, decisions."""

    points: list[str]
    more: bool
    decisions: list[str]


def lines_of(texts: Iterable[str]) -> list[str]:
    """The non-empty lines of `texts`, in order, without the bullets people typed before them."""
    return [line for text in texts for raw in text.splitlines() if (line := _BULLET.sub("", raw).strip())]


def is_decision(line: str) -> bool:
    return _DECISION.match(_BULLET.sub("", line).strip()) is not None


def decision_text(line: str) -> str:
    """A decision as shown under "Decided": its label or arrow dropped, its own words kept."""
    return _DECISION_LABEL.sub("", _BULLET.sub("", line).strip()) or line.strip()


def digest(key_points: Sequence[str]) -> Digest:
    """Key points (each summary's, in the order written) as "last time" shows them.

    Decisions are listed apart, so the two lines of points are the other lines: a decision is not shown
    twice, and a summary that is all decisions has no points of its own.
    """
    lines = lines_of(key_points)
    points = [line for line in lines if not is_decision(line)]
    decisions = [decision_text(line) for line in lines if is_decision(line)]
    return Digest(points[:KEY_POINT_LINES], len(points) > KEY_POINT_LINES, decisions)


# ---------------------------------------------------------------------------------------- status updates

# Words that make a line read as a report on work: its state, its progress, its tickets and pull requests.
_STATUS = re.compile(
    r"""\b(?:
        status | update[sd]? | progress | done | finished | completed? | shipped | shipping | merged
      | deployed | deploy(?:ment)?s? | released? | rolled\s+out | launched | fixed | resolved | closed
      | prs? | pull\s+requests? | code\s+review | in\s+review | tickets? | jira | backlog | wip
      | sprints? | stand-?ups? | retro | velocity | burn-?down | milestones? | eta | on\s+track
      | blocked\s+on | blockers? | hotfix(?:es)? | bug\s*fix(?:es)? | release\s+notes
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)
_TICKET = re.compile(r"\b[A-Z]{2,}[A-Z0-9]*-\d+\b")  # ABC-123 as trackers name tickets (not "Q1-2027")
_PULL = re.compile(r"(?:^|\s)#\d+\b|/pull/\d+|/merge_requests/\d+")  # #482, a GitHub or GitLab link
# A line about the person rather than the work: a question, or words of growth, feedback and wellbeing.
_PERSONAL = re.compile(
    r"""\?|\b(?:
        how | why | what\s+if | should\s+i | should\s+we | could\s+i | can\s+i | would\s+you
      | career | promotion | feedback | feel(?:s|ing|ings)? | felt | stress(?:ed|ful)? | burn(?:ed|t)?\s*out
      | learn(?:ing|ed|t)? | grow(?:th|ing)? | goals? | mentor(?:ing|ship)? | coach(?:ing)? | advice
      | motivat(?:ed|ion|ing) | wellbeing | well-being | workload | balance | worr(?:y|ied|ies)
      | concern(?:s|ed)? | unhappy | happy | frustrat(?:ed|ing|ion) | tired | overwhelm(?:ed|ing)?
      | conflict | ideas? | aspirations? | skills? | strengths? | development
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


def is_status_update(text: str, kind: TopicKind = TopicKind.PLAIN) -> bool:
    """Whether a topic reads as a status line: a report on work a message could carry.

    A templated topic (GROW, career, feedback, concern) is a conversation by its kind; a question or a line
    about the person is one by its words. Anything else needs a status word, a ticket or a pull request:
    a topic we cannot read ("Budget") is not called a status update.
    """
    if kind is not TopicKind.PLAIN or _PERSONAL.search(text):
        return False
    return bool(_STATUS.search(text) or _TICKET.search(text) or _PULL.search(text))


def only_status_updates(topics: Iterable[tuple[str, TopicKind]]) -> bool:
    """Whether there is at least one topic and every one is a status update."""
    found = False
    for text, kind in topics:
        if not is_status_update(text, kind):
            return False
        found = True
    return found


# ------------------------------------------------------------------------------- the question to suggest

# What a message can't do: the themes a status-only agenda is nudged toward.
NUDGE_THEMES = frozenset({Theme.GROWTH, Theme.FEEDBACK, Theme.WELLBEING})


def nudge_question(
    own_key: str | None, history: Sequence[str], retired: Collection[str], *, seed: str
) -> Question | None:
    """The question a status-only agenda is offered: the meeting's own when it is already of NUDGE_THEMES,
    else one of those themes the pair has neither retired nor seen in the current round of them.

    A round here is a pass through the themes' questions (not the whole bank), so there is always one to
    offer until the pair has retired them all. Deterministic for `seed` (the pair and the meeting), so the
    prompt and a later `/1on1 agenda` suggest the same one.
    """
    own = question_by_key(own_key) if own_key else None
    if own is not None and own.theme in NUDGE_THEMES and own.key not in retired:
        return own
    pool = [q for q in BANK if q.theme in NUDGE_THEMES and q.key not in retired]
    if not pool:
        return None
    keys = {q.key for q in pool}
    seen: set[str] = set()
    for key in history:
        if key in keys:
            seen.add(key)
            if seen == keys:  # a round of them is over: the next starts afresh
                seen = set()
    unseen = [q for q in pool if q.key not in seen and q.key != own_key]
    return random.Random(f"{seed}:status-nudge").choice(unseen or pool)
