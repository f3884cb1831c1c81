"""Templated topics in Slack (issue 14, part 2): how a topic of each kind reads in an agenda."""

from __future__ import annotations

from bot.services.agenda import TopicLine
from bot.slack.text import escape, link_target, mention


def topic_text(topic: TopicLine) -> str:
    """A topic's line in an agenda: its text, its author, its message link."""
    line = f"{escape(topic.text)} — {mention(topic.author_user_id)}"
    return line + (f" (<{link_target(topic.link)}|message>)" if topic.link else "")
