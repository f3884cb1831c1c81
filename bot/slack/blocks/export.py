"""The EXPORT message: two files for files_upload_v2 (bot/delivery/slack_calls.py) and the comment that
introduces them in the person's DM."""

from __future__ import annotations

from bot.domain.names import FORMER_PARTICIPANT
from bot.services.messages.export import ExportUpload
from bot.slack.blocks.common import Message
from bot.slack.text import mention


def export_message(data: ExportUpload) -> Message:
    name = f"1on1-export-{data.local_date}"
    return {
        "file_uploads": [
            {
                "file": data.files.markdown,
                "filename": f"{name}.md",
                "title": f"Your 1:1s ({data.local_date})",
            },
            {
                "file": data.files.json,
                "filename": f"{name}.json",
                "title": f"Your 1:1s, as data ({data.local_date})",
            },
        ],
        "initial_comment": _comment(data),
        "close": data.files.close,
    }


def _comment(data: ExportUpload) -> str:
    about = f"your 1:1 with {_who(data)}" if data.with_person else "your 1:1s"
    meetings = "1 meeting" if data.meetings == 1 else f"{data.meetings} meetings"
    return (
        f"Here is your export of {about} ({meetings}): the Markdown file to read, the JSON file to keep "
        "(schema oneonone-export/1). It holds what you may see, with your own private notes; "
        "never the other person's notes or private topics."
    )


def _who(data: ExportUpload) -> str:
    person = data.with_person
    return (
        FORMER_PARTICIPANT
        if person is None or person.slack_user_id is None
        else mention(person.slack_user_id)
    )
