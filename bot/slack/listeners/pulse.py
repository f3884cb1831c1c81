"""The pulse check-in's buttons in a pre-meeting prompt: a tap stores one score, and the prompt is replaced
by itself re-rendered, the chosen score showing (bot/services/pulse.py)."""

from __future__ import annotations

from slack_bolt import App

from bot.domain.pulse import Feeling
from bot.services import pulse
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.agenda import prompt_message
from bot.slack.blocks.replies import replacing
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, on_click


def register(app: App, deps: Deps) -> None:
    for button in (
        ids.PULSE_TAP,
        *ids.PULSE_TAPS,
    ):  # the bare id too: a crafted or future click is still answered
        on_click(app, deps, button, _tap)


def _tap(deps: Deps, actor: Actor, tap: tuple[int, Feeling, int]) -> ClickAnswer:
    meeting_id, feeling, score = tap
    view = pulse.tap(deps.sessions, deps.clock(), actor, meeting_id, feeling, score)
    # The whole prompt, as it now reads (the agenda may have grown since it was sent).
    return replacing(prompt_message(view))
