"""Button clicks, each one service call behind the rim (bot/slack/rim.py): it acks at once, checks
the value, and answers through the response_url or opens a modal after the ack."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services import actions, followups, rebooking, series, summaries, topics
from bot.services.pairs import Actor
from bot.slack import ids
from bot.slack.blocks import clicks
from bot.slack.blocks.modals import add_topic_modal
from bot.slack.blocks.summary_modal import summary_modal
from bot.slack.deps import Deps
from bot.slack.rim import ClickAnswer, OpenModal, on_click

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    on_click(app, deps, ids.ADD_TOPIC, _open_add_topic)
    on_click(app, deps, ids.CHOOSE_PAIR, _choose_pair)
    on_click(app, deps, ids.CANCEL_CONFIRM, _confirm_cancel)
    on_click(app, deps, ids.CANCEL_KEEP, lambda deps, actor, series_id: clicks.kept())
    on_click(app, deps, ids.SUMMARY_OPEN, _open_summary)
    on_click(app, deps, ids.NOT_HELD, _not_held)
    on_click(app, deps, ids.ACTION_DONE, _action_done)
    on_click(app, deps, ids.SLOT_CHOOSE, _choose_slot)
    on_click(app, deps, ids.SLOT_SKIP, _skip_missed)

    # Registered last, so it only sees what nothing above took: a button from a message an older
    # version sent, or an id we never made. Slack wants a 200 either way; the person, a word.
    @app.action(re.compile(".*"))
    def unknown_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        action_id = str(action.get("action_id"))[:64]
        logger.info("a click on an unknown action id %r from user %s", action_id, body["user"]["id"])
        if body.get("response_url"):
            deps.later.run(lambda: respond(clicks.retired_button()), f"unknown {action_id}")


def _open_add_topic(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    form = topics.add_topic_form(deps.sessions, actor, meeting_id)
    return OpenModal(add_topic_modal(form.meeting_id, leads=form.leads))


def _choose_pair(deps: Deps, actor: Actor, pending_and_pair: tuple[int, int]) -> ClickAnswer:
    added = topics.choose_meeting_for_pending(deps.sessions, deps.clock(), actor, *pending_and_pair)
    return clicks.topic_placed(added.other_user_id)


def _confirm_cancel(deps: Deps, actor: Actor, series_id: int) -> ClickAnswer:
    return clicks.cancelled(series.cancel(deps.sessions, deps.clock(), actor, series_id))


def _open_summary(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    return OpenModal(summary_modal(summaries.summary_form(deps.sessions, actor, meeting_id, deps.clock())))


def _not_held(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    return clicks.not_held(followups.report_not_held(deps.sessions, deps.clock(), actor, meeting_id))


def _action_done(deps: Deps, actor: Actor, action_id: int) -> ClickAnswer:
    actions.complete_action(deps.sessions, deps.clock(), actor, action_id)
    return None  # the summary message is updated for both through the outbox


def _choose_slot(deps: Deps, actor: Actor, meeting_and_start: tuple[int, int]) -> ClickAnswer:
    booked = rebooking.book_slot(deps.sessions, deps.clock(), actor, *meeting_and_start)
    return clicks.slot_booked(booked.other_user_id)


def _skip_missed(deps: Deps, actor: Actor, meeting_id: int) -> ClickAnswer:
    return clicks.missed_skipped(rebooking.skip_missed(deps.sessions, deps.clock(), actor, meeting_id))
