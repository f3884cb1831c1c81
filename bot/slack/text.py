"""The one place that makes user text safe for Slack's mrkdwn."""

from __future__ import annotations


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences.

    Without this, a topic like `<!channel>` or `<https://evil|docs>` would ping everyone or
    disguise a link when echoed back.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(slack_user_id: str) -> str:
    return f"<@{slack_user_id}>"
