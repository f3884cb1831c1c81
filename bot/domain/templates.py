"""Topic templates: the kinds of conversation a topic can be (issue 14, part 2), each with its steps.

A plain topic is a line of text; the others carry prompts the two fill in during the meeting, and their
outcomes are recorded per step in the summary.
"""

from __future__ import annotations

from enum import StrEnum


class TopicKind(StrEnum):
    PLAIN = "plain"
    GROW = "grow"  # coaching: goal, reality, options, will
    CAREER = "career"  # a career conversation
    FEEDBACK = "feedback"  # feedback both ways
    CONCERN = "concern"  # a performance concern: the manager's, held back until the meeting
