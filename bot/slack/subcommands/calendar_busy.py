"""`/1on1 calendar busy <url>` and `busy off`: the person's own calendar for busy times (issue 13, part 2)."""

from __future__ import annotations

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps


def address_of(word: str) -> str:
    """The address as typed (Slack sends a URL as `<https://…>` or `<https://…|label>`)."""
    return word.strip("<>").split("|", 1)[0]


def handle(deps: Deps, actor: Actor, url: str | None) -> replies.Reply:
    raise NotImplementedError  # TODO(issue 13)
