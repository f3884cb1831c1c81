"""The schedule modal: opened from the Home tab's *Schedule a 1:1*, the "Schedule a 1:1" shortcut and
`/1on1 schedule` alone (that command's row answers with it); a series' *Edit* opens it filled in.

Opening: the ack leaves first; then the reader's zone (for the time field's hint) and the modal go to Slack,
within the trigger's 3 seconds. Submitting: answered within Slack's 3 seconds with the errors on their fields,
or with the modal turned into a confirmation. The confirmation takes the modal's place rather than a DM: the
person sees the outcome where they are, whichever surface they came from, the Home tab keeps the lasting
record, and nobody's DMs fill with receipts (the other person gets their announcement).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError, InvalidField
from bot.domain.outbox import MessageKind, outbox_key
from bot.services import series, series_edit
from bot.services.pairs import Actor
from bot.services.people import NotAPerson, SlackBusy, UnknownPerson, timezone_of, timezones
from bot.services.series import PERSON, SeriesExists
from bot.services.series_edit import SeriesEnded
from bot.slack import ids
from bot.slack.blocks import schedule_modal as modal
from bot.slack.blocks.clicks import click_problem
from bot.slack.deps import Deps
from bot.slack.directory import quick_directory
from bot.slack.forms import schedule_form
from bot.slack.payloads import actor_of, parse_id
from bot.slack.rim import BAD_VALUE
from bot.slack.text import said, said_plainly
from bot.store import outbox

logger = logging.getLogger(__name__)

# How long Slack may take to say someone's zone while a person waits. Opening: the trigger id expires 3 s
# after Slack sent it. Submitting: the answer must leave within 3 s, and up to two people are looked up,
# each only when the cache can't say; a lookup that doesn't fit is refused with "try again", never waited
# for (a zone decides a series' wall time, and Slack alone can say whether someone is a bot).
OPEN_LOOKUP_SECONDS = 1.0
SUBMIT_LOOKUP_SECONDS = 0.8

FORM_DIDNT_OPEN = "Slack was busy and the 1:1 form didn't open. Please try again in a moment."
NO_ZONE_YET = (
    "Slack didn't tell me your time zone in time, so I can't show your 1:1's times yet. "
    "Please click Edit again in a moment."
)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.SCHEDULE_OPEN.action_id)
    def schedule_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open_later(deps, client, body, lambda actor: _new_form(deps, client, actor))

    @app.shortcut(ids.SCHEDULE_SHORTCUT)
    def schedule_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open_later(deps, client, body, lambda actor: _new_form(deps, client, actor))

    @app.action(ids.SERIES_EDIT.action_id)
    def edit_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        series_id = ids.SERIES_EDIT.decode(action.get("value"))
        refuse = _refusal(deps, body, respond)
        if series_id is None:
            refuse(DomainError(BAD_VALUE))
            return
        _open_later(deps, client, body, lambda actor: _edit_form(deps, client, actor, series_id, refuse))

    @app.view(ids.SCHEDULE_MODAL)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        series_id = parse_id(view.get("private_metadata"))
        try:
            if series_id is None:
                shown = _schedule(deps, client, actor_of(body), view)
            else:
                shown = _edit(deps, client, actor_of(body), series_id, view)
        except schedule_form.FormErrors as errors:
            ack(response_action="errors", errors=errors.by_field)
            return
        except DomainError as error:
            # A refusal of the whole form shows under its first field (an edit has no person field).
            first = PERSON if series_id is None else modal.LEADS
            field = error.field if isinstance(error, InvalidField) else first
            ack(response_action="errors", errors={field: said_plainly(error)})
            return
        ack(response_action="update", view=shown)


# ------------------------------------------------------------------------------------------------ opening


def _open_later(
    deps: Deps, client: WebClient, body: dict[str, Any], build: Callable[[Actor], dict[str, Any] | None]
) -> None:
    actor = actor_of(body)
    deps.later.run(lambda: _open(deps, client, body, actor, build), f"the schedule modal for {actor.user_id}")


def _open(
    deps: Deps,
    client: WebClient,
    body: dict[str, Any],
    actor: Actor,
    build: Callable[[Actor], dict[str, Any] | None],
) -> None:
    view = build(actor)
    if view is None:
        return
    # A click inside another modal (e.g. the agenda shortcut's "no 1:1s yet") stacks this one on it.
    opening = client.views_push if (body.get("view") or {}).get("type") == "modal" else client.views_open
    try:
        opening(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, SlackClientError, OSError) as error:
        # The trigger can't be used twice or late, so no retry: the person hears why nothing opened.
        logger.warning("the schedule modal didn't open for user %s: %s", actor.user_id, type(error).__name__)
        _tell(deps, actor, body, FORM_DIDNT_OPEN)


def _new_form(deps: Deps, client: WebClient, actor: Actor) -> dict[str, Any]:
    return modal.schedule_modal(_zone_if_slack_says(deps, client, actor))


def _edit_form(
    deps: Deps, client: WebClient, actor: Actor, series_id: int, refuse: Callable[[DomainError], None]
) -> dict[str, Any] | None:
    try:
        series_edit.check_editable(deps.sessions, actor, series_id)  # before asking Slack anything
        zone = _zone_if_slack_says(deps, client, actor)
        if zone is None:  # the form shows the series in the reader's zone: it can't be shown without it
            return modal.notice_view("Edit your 1:1", NO_ZONE_YET)
        form = series_edit.series_form(deps.sessions, deps.clock(), actor, series_id, zone)
    except SeriesEnded as ended:
        return modal.notice_view("Edit your 1:1", said_plainly(ended))
    except DomainError as error:
        refuse(error)  # not theirs, or no such series: the same words either way
        return None
    return modal.schedule_modal(zone, form)


def _refusal(deps: Deps, body: dict[str, Any], respond: Respond | None) -> Callable[[DomainError], None]:
    """How a refused Edit click is answered: privately under the message it was in; from the Home tab (no
    response_url) by opening nothing, since only a crafted click points at someone else's 1:1."""

    def refuse(error: DomainError) -> None:
        logger.info("an edit click by user %s refused", body["user"]["id"])
        if respond is not None and body.get("response_url"):
            deps.later.run(lambda: respond(click_problem(said(error))), "an edit click's refusal")

    return refuse


def _zone_if_slack_says(deps: Deps, client: WebClient, actor: Actor) -> str | None:
    try:
        directory = quick_directory(client, OPEN_LOOKUP_SECONDS)
        return timezone_of(deps.sessions, directory, deps.clock(), actor, required=True)
    except (SlackBusy, UnknownPerson):
        return None


def _tell(deps: Deps, actor: Actor, body: dict[str, Any], problem: str) -> None:
    """A word in the person's DM, through the outbox (delivered, and retried, like any message)."""
    # NO_MEETING on purpose: its renderer says any `problem` as a generic ":warning: …" notice, which is all
    # this needs; a kind of its own would only render the same words.
    key = outbox_key(MessageKind.NO_MEETING, "form", body["trigger_id"])
    with deps.sessions.begin() as session:
        outbox.enqueue(
            session,
            key=key[:200],
            kind=MessageKind.NO_MEETING,
            now=deps.clock(),
            channel_id=actor.user_id,  # a user id posts to the bot's DM with them
            params={"problem": problem, "people": []},
        )


# ------------------------------------------------------------------------------------------------ submitting


def _schedule(deps: Deps, client: WebClient, actor: Actor, view: dict[str, Any]) -> dict[str, Any]:
    request = schedule_form.read_request(view)
    if request.other_user_id == actor.user_id:
        raise InvalidField(PERSON, "A 1:1 takes two people: pick the person you meet with, not yourself.")
    now, directory = deps.clock(), quick_directory(client, SUBMIT_LOOKUP_SECONDS)
    zone = _own_zone(deps, directory, actor)
    zones = {actor.user_id: zone, **_checked_person(deps, directory, actor, request.other_user_id)}
    try:
        done = series.schedule(deps.sessions, now, actor, request, zone, zones=zones)
    except SeriesExists:
        raise InvalidField(
            PERSON,
            "You already have a recurring 1:1 with this person. To change it, use Edit on my Home tab.",
        ) from None
    return modal.scheduled_view(done, request.weekday, request.at)


def _edit(
    deps: Deps, client: WebClient, actor: Actor, series_id: int, view: dict[str, Any]
) -> dict[str, Any]:
    edit = schedule_form.read_edit(view)
    zone = _own_zone(deps, quick_directory(client, SUBMIT_LOOKUP_SECONDS), actor)
    source = f"view:{view.get('id')}"  # the same submission delivered twice tells the other person once
    edited = series_edit.edit_series(deps.sessions, deps.clock(), actor, series_id, edit, zone, source=source)
    return modal.edited_view(edited, zone, actor.user_id)


def _own_zone(deps: Deps, directory: Any, actor: Actor) -> str:
    """The submitter's zone: it decides the series' wall time, so it is never guessed."""
    try:
        return timezone_of(deps.sessions, directory, deps.clock(), actor, required=True)
    except SlackBusy:
        raise InvalidField(
            modal.TIME,
            "Slack didn't tell me your time zone in time, so nothing was saved. "
            "Please try again in a moment.",
        ) from None


def _checked_person(deps: Deps, directory: Any, actor: Actor, other: str) -> dict[str, str]:
    """The other person's zone, once Slack has said they are a person (not a bot, not deactivated)."""
    try:
        return timezones(
            deps.sessions,
            directory,
            deps.clock(),
            actor.team_id,
            [other],
            required=[other],
            people_only=[other],
        )
    except NotAPerson as refusal:
        if refusal.bot:
            raise InvalidField(PERSON, "That's a bot, not a person: pick the person you meet with.") from None
        raise InvalidField(
            PERSON, "That account is deactivated: pick someone still in the workspace."
        ) from None
    except UnknownPerson:
        raise InvalidField(PERSON, "I can't find that person in this workspace.") from None
    except SlackBusy:
        raise InvalidField(
            PERSON,
            "Slack didn't answer in time, so I couldn't check who that is and nothing was saved. "
            "Please try again in a moment.",
        ) from None
