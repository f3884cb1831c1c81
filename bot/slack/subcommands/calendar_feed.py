"""`/1on1 calendar` and `/1on1 calendar reset`: the person's private feed address (issue 13, part 1)."""

from __future__ import annotations

from bot.services.pairs import Actor
from bot.slack.blocks import replies
from bot.slack.deps import Deps


def handle(deps: Deps, actor: Actor, reset: bool) -> replies.Reply:
    raise NotImplementedError  # TODO(issue 13)
