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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.errors import DomainError, InvalidField
from bot.domain.outbox import MessageKind, outbox_key
from bot.services import series
from bot.services.pairs import Actor
from bot.services.people import NotAPerson, SlackBusy, UnknownPerson, timezone_of, timezones
from bot.services.series import FIRST_DATE, PERSON, ScheduleRequest, SeriesEdit, SeriesEnded, SeriesExists
from bot.slack import ids
from bot.slack.blocks import schedule_modal as modal
from bot.slack.blocks.clicks import click_problem
from bot.slack.deps import Deps
from bot.slack.directory import quick_directory
from bot.slack.payloads import actor_of, parse_id
from bot.slack.rim import BAD_VALUE
from bot.slack.subcommands.grammar import MAX_DURATION, MAX_LEAD_HOURS, MIN_DURATION, MIN_LEAD_HOURS
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
NOT_A_TIME = "Pick the time you meet."
_MINUTES = re.compile(r"^\s*([0-9]{1,3})\s*(?:m|min|mins|minutes)?\s*$", re.IGNORECASE)
_HOURS = re.compile(r"^\s*([0-9]{1,3})\s*(?:h|hours?)?\s*$", re.IGNORECASE)


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
        except _FormErrors as errors:
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
        series.check_editable(deps.sessions, actor, series_id)  # before asking Slack anything
        zone = _zone_if_slack_says(deps, client, actor)
        if zone is None:  # the form shows the series in the reader's zone: it can't be shown without it
            return modal.notice_view("Edit your 1:1", NO_ZONE_YET)
        form = series.series_form(deps.sessions, deps.clock(), actor, series_id, zone)
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
    # TODO(lead): a generic notice kind would fit better; NO_MEETING renders any refusal as ":warning: …".
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


@dataclass(frozen=True)
class _Form:
    other_user_id: str | None  # None when editing: who it is with is not a choice
    caller_is_manager: bool
    cadence: str
    weekday: int
    at: time
    duration_minutes: int
    start: date | None
    lead: timedelta


class _FormErrors(Exception):
    """Every field that is wrong, each with its message, shown all at once."""

    def __init__(self, by_field: dict[str, str]) -> None:
        super().__init__(", ".join(by_field))
        self.by_field = by_field


def _schedule(deps: Deps, client: WebClient, actor: Actor, view: dict[str, Any]) -> dict[str, Any]:
    form = _read(view, editing=False)
    assert form.other_user_id is not None
    if form.other_user_id == actor.user_id:
        raise InvalidField(PERSON, "A 1:1 takes two people: pick the person you meet with, not yourself.")
    now, directory = deps.clock(), quick_directory(client, SUBMIT_LOOKUP_SECONDS)
    zone = _own_zone(deps, directory, actor)
    zones = {actor.user_id: zone, **_checked_person(deps, directory, actor, form.other_user_id)}
    request = ScheduleRequest(
        form.other_user_id,
        form.cadence,
        form.weekday,
        form.at,
        form.duration_minutes,
        form.start,
        form.caller_is_manager,
        form.lead,
    )
    try:
        done = series.schedule(deps.sessions, now, actor, request, zone, zones=zones)
    except SeriesExists:
        raise InvalidField(
            PERSON,
            "You already have a recurring 1:1 with this person. To change it, use Edit on my Home tab.",
        ) from None
    return modal.scheduled_view(done, form.weekday, form.at)


def _edit(
    deps: Deps, client: WebClient, actor: Actor, series_id: int, view: dict[str, Any]
) -> dict[str, Any]:
    form = _read(view, editing=True)
    zone = _own_zone(deps, quick_directory(client, SUBMIT_LOOKUP_SECONDS), actor)
    edit = SeriesEdit(
        form.cadence,
        form.weekday,
        form.at,
        form.duration_minutes,
        form.start,
        form.caller_is_manager,
        form.lead,
    )
    source = f"view:{view.get('id')}"  # the same submission delivered twice tells the other person once
    edited = series.edit_series(deps.sessions, deps.clock(), actor, series_id, edit, zone, source=source)
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


def _read(view: dict[str, Any], *, editing: bool) -> _Form:
    """The form's values as Slack sent them; every field that is wrong is refused at once."""
    errors: dict[str, str] = {}

    def field(block: str, read: Callable[[dict[str, Any]], Any]) -> Any:
        try:
            return read(_state(view, block))
        except InvalidField as error:
            errors[error.field] = said_plainly(error)
            return None

    other = None if editing else field(PERSON, _person)
    form = _Form(
        other_user_id=other,
        caller_is_manager=field(modal.LEADS, _leads),
        cadence=field(modal.CADENCE, _cadence),
        weekday=field(modal.WEEKDAY, _weekday),
        at=field(modal.TIME, _time),
        duration_minutes=field(modal.LENGTH, _length),
        start=field(FIRST_DATE, _start),
        lead=field(modal.LEAD, _lead),
    )
    if errors:
        raise _FormErrors(errors)
    return form


def _state(view: dict[str, Any], block: str) -> dict[str, Any]:
    """One input's state (`{}` when the block is missing or its value null)."""
    return ((view.get("state", {}).get("values", {}).get(block) or {}).get(modal.VALUE)) or {}


def _chosen(state: dict[str, Any]) -> str:
    return str((state.get("selected_option") or {}).get("value") or "")


def _person(state: dict[str, Any]) -> str:
    user = state.get("selected_user")
    if not isinstance(user, str) or not re.fullmatch(r"[UW][A-Z0-9]{1,30}", user):
        raise InvalidField(PERSON, "Pick the person you meet with.")
    return user


def _leads(state: dict[str, Any]) -> bool:
    chosen = _chosen(state)
    if chosen not in modal.LEAD_CHOICES:
        raise InvalidField(modal.LEADS, "Say who leads it.")
    return chosen == modal.I_LEAD


def _cadence(state: dict[str, Any]) -> str:
    chosen = _chosen(state)
    if chosen not in modal.CADENCES:
        raise InvalidField(modal.CADENCE, "Pick how often you meet.")
    return chosen


def _weekday(state: dict[str, Any]) -> int:
    chosen = _chosen(state)
    if chosen not in modal.WEEKDAYS:
        raise InvalidField(modal.WEEKDAY, "Pick the day you meet.")
    return int(chosen)


def _time(state: dict[str, Any]) -> time:
    picked = str(state.get("selected_time") or "")
    if not re.fullmatch(r"[0-9]{2}:[0-9]{2}", picked):
        raise InvalidField(modal.TIME, NOT_A_TIME)
    try:
        return time.fromisoformat(picked)
    except ValueError:
        raise InvalidField(modal.TIME, NOT_A_TIME) from None


def _length(state: dict[str, Any]) -> int:
    match = _MINUTES.match(str(state.get("value") or ""))
    minutes = int(match.group(1)) if match else -1
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidField(
            modal.LENGTH, f"The length must be between {MIN_DURATION} and {MAX_DURATION} minutes, like 30."
        )
    return minutes


def _start(state: dict[str, Any]) -> date | None:
    picked = state.get("selected_date")
    if not picked:
        return None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", str(picked)):
            return date.fromisoformat(str(picked))
    except ValueError:
        pass
    raise InvalidField(FIRST_DATE, "That isn't a date.")


def _lead(state: dict[str, Any]) -> timedelta:
    match = _HOURS.match(str(state.get("value") or ""))
    hours = int(match.group(1)) if match else -1
    if not MIN_LEAD_HOURS <= hours <= MAX_LEAD_HOURS:
        raise InvalidField(
            modal.LEAD,
            f"Say how many hours before each meeting to ask for topics: from {MIN_LEAD_HOURS} to "
            f"{MAX_LEAD_HOURS}, like 24.",
        )
    return timedelta(hours=hours)
