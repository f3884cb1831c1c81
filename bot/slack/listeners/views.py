"""Modal submissions behind the rim (bot/slack/rim.py): a topic from the prompt's "Add a topic"
button, and the meeting's summary (however many action item rows and topic boxes its form grew to). Each
reads its form (bot/slack/forms/) and calls one service."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.domain.errors import InvalidField
from bot.domain.templates import TopicKind
from bot.services import summaries, topics
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks.modals import SHARE_VALUE
from bot.slack.blocks.templates import kind_of
from bot.slack.deps import Deps
from bot.slack.forms.state import input_state
from bot.slack.forms.summary_form import meeting_of, read_summary
from bot.slack.rim import on_submit


def register(app: App, deps: Deps) -> None:
    on_submit(app, deps, ids.ADD_TOPIC_MODAL, ids.TOPIC_BLOCK, _add_topic)
    on_submit(app, deps, ids.SUMMARY_MODAL, ids.KEY_POINTS, _summary)


def _add_topic(deps: Deps, actor: Actor, view: dict[str, Any]) -> None:
    text = input_state(view, ids.TOPIC_BLOCK, ids.TOPIC_INPUT).get("value") or ""
    meeting_id = meeting_of(view)
    source = f"view:{view.get('id')}"  # the same form delivered twice adds the topic once
    kind, share = _kind(view)
    topics.add_topic_to_meeting(
        deps.sessions,
        deps.clock(),
        actor,
        meeting_id,
        text,
        source,
        kind=kind,
        share=share,
        kind_field=ids.TOPIC_KIND_BLOCK,
    )


def _kind(view: dict[str, Any]) -> tuple[TopicKind, bool]:
    """The picked kind (a form without the menu, opened before it existed: plain) and the concern's "share
    it now" box. A kind the form never offers is refused on the menu."""
    picked = input_state(view, ids.TOPIC_KIND_BLOCK).get("selected_option")
    value = picked.get("value") if isinstance(picked, dict) else None
    kind = TopicKind.PLAIN if picked is None else kind_of(value)
    if kind is None:
        raise InvalidField(ids.TOPIC_KIND_BLOCK, "Pick one of the kinds in the menu.")
    ticked = input_state(view, ids.TOPIC_SHARE_BLOCK).get("selected_options") or []
    share = any(isinstance(option, dict) and option.get("value") == SHARE_VALUE for option in ticked)
    return kind, share


def _summary(deps: Deps, actor: Actor, view: dict[str, Any]) -> None:
    summaries.submit_summary(deps.sessions, deps.clock(), actor, read_summary(view))
