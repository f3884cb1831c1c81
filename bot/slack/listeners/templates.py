"""Templated topics' buttons (issue 14, part 2): *Share now* on a held-back concern, its author's alone."""

from __future__ import annotations

from slack_bolt import App

from bot.services import topics
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.templates import shared_answer
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, on_click


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.TOPIC_SHARE, _share)


def _share(deps: Deps, actor: Actor, topic_id: int) -> ClickAnswer:
    shared = topics.share_topic(deps.sessions, deps.clock(), actor, topic_id)
    return shared_answer(shared.other_user_id, shared.text)
