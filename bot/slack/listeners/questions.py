"""*Not useful* on a prompt's question: the pair is never suggested it again (issue 14, part 5)."""

from __future__ import annotations

from slack_bolt import App

from bot.services import questions
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.questions import question_retired
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, on_click


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.QUESTION_NOT_USEFUL, _not_useful)


def _not_useful(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    questions.retire_question(deps.sessions, deps.clock(), actor, meeting_id)
    return question_retired()
