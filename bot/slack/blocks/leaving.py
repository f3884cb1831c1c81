"""The messages about a partner whose Slack account was deactivated, or came back."""

from __future__ import annotations

from bot.services.messages.leaving import PartnerNotice
from bot.slack.blocks.common import Message, section, to_dicts
from bot.slack.text import escape, mention


def partner_left_message(notice: PartnerNotice) -> Message:
    who = mention(notice.partner_user_id)
    cancel = f"`/1on1 cancel @{escape(notice.partner_name)}`" if notice.partner_name else "`/1on1 cancel`"
    text = (
        f":pause_button: {who}'s Slack account was deactivated, so your 1:1 is paused. Nothing is lost: if "
        f"the account comes back, it resumes; you can also end it with {cancel}."
    )
    return {
        "text": f"{who}'s Slack account was deactivated: your 1:1 is paused",
        "blocks": to_dicts([section(text)]),
    }


def partner_back_message(notice: PartnerNotice) -> Message:
    who = mention(notice.partner_user_id)
    text = f":arrow_forward: {who}'s Slack account is back, so your 1:1 resumes from its next meeting."
    return {"text": f"{who} is back: your 1:1 resumes", "blocks": to_dicts([section(text)])}
