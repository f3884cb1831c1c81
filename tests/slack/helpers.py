"""What the Slack integration tests share: replies, a tick at an instant, message and button lookups, the
modals a click opened (filled by their labels, emulator/forms.py) and the database read back (the people
are in people.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import build_delivery_client
from bot.services.tick import TickReport, run_tick
from bot.slack.messages import MessageRenderer
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person
from emulator.forms import ModalForm
from emulator.requests import SlackRequests, SlackSender
from emulator.web_api import SlackEmulator
from tests.read_back import Rows, every_row
from tests.slack.people import ALICE, BOB, CAROL, DAVE

COVERED_TOPICS = "Topics you covered (the rest carry over)"  # the summary modal's checkboxes
NEW_TOPIC = "What would you like to talk about?"  # the add-topic modal's input


def reply_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return body


def text_of(message: dict[str, Any]) -> str:
    """A message's text and every mrkdwn text in its blocks, as one string."""
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        for item in [block.get("text"), *(block.get("elements") or [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
    return "\n".join(parts)


def reply_text(response: httpx.Response) -> str:
    return text_of(reply_of(response))


def schedule_both_pairs(slack: SlackSender) -> None:
    """Alice meets Bob weekly on Tuesdays at 10:00, Carol meets Dave weekly on Wednesdays at 10:00."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command(f"schedule <@{DAVE}> weekly wed 10:00", user_id=CAROL))


def bot_messages(emulator: SlackEmulator, user_id: str, fragment: str) -> list[dict[str, Any]]:
    """Messages the bot posted in its DM with `user_id` that contain `fragment`, oldest first."""
    channel = emulator.dm_channel_for(user_id)
    return [m for m in emulator.messages(channel or "") if m.get("bot_id") and fragment in text_of(m)]


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's buttons by action id (the first of each)."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks") or []:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("type") == "button":
                found.setdefault(element["action_id"], element)
    return found


def everything_sent_to_slack(emulator: SlackEmulator) -> str:
    """Every Web API call's arguments and every response_url post, as one string."""
    return json.dumps(
        [c.args for c in emulator.calls()] + [p.payload for p in emulator.response_posts()],
        ensure_ascii=False,
    )


def written_in_dm(emulator: SlackEmulator, user_id: str, text: str) -> tuple[str, str]:
    """`user_id` writes `text` in their DM with the bot, as Slack stores it; returns the channel and the ts
    (send the event with `slack.dm(user_id, text, channel=channel, ts=ts)`)."""
    channel = emulator.open_dm(user_id)
    return channel, emulator.add_message(channel, user_id, text)["ts"]


def answer_in_thread(emulator: SlackEmulator, ts: str) -> dict[str, Any]:
    """The arguments of the bot's latest post in the thread of the message `ts`, waiting for it."""
    return emulator.wait_for("chat.postMessage", lambda call: call.args.get("thread_ts") == ts)[-1].args


def pair_id(session: Session, one: str, other: str) -> int:
    """The id of the pair of these two Slack users."""
    people = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
    pairs = {
        frozenset((people[p.member_a_id], people[p.member_b_id])): p.id for p in session.scalars(select(Pair))
    }
    return pairs[frozenset((one, other))]


def tick(sessions: SessionFactory, settings: Settings, at: datetime) -> tuple[TickReport, DeliveryReport]:
    """What `python -m bot tick --at` does: queue what is due, then deliver it."""
    report = run_tick(sessions, at)
    client = build_delivery_client(settings.bot_token, settings.slack_api_url)
    return report, deliver_all_due(sessions, client, MessageRenderer(lambda: at), at)


def posts_to(emulator: SlackEmulator, user_id: str) -> list[dict[str, Any]]:
    """Messages the bot posted in its DM with `user_id`, oldest first."""
    channel = emulator.dm_channel_for(user_id)
    return [m for m in emulator.messages(channel) if m.get("bot_id")] if channel else []


def wait_for_post(
    emulator: SlackEmulator, user_id: str, fragment: str, timeout: float = 5.0
) -> dict[str, Any]:
    """Block until the bot posts a message containing `fragment` (the outbox delivers in the background)."""

    def matches(call: Any) -> bool:
        channel = emulator.dm_channel_for(user_id)
        return call.response.get("channel") == channel and fragment in text_of(call.args)

    call = emulator.wait_for("chat.postMessage", matches, timeout=timeout)[-1]
    return call.args


def opened_form(emulator: SlackEmulator, click: Callable[[], object], timeout: float = 5.0) -> ModalForm:
    """What a person sees after `click` (a click that opens a modal): the view the app opened, as the
    emulator stored it, to be filled by its labels."""
    shown = len([c for c in emulator.calls("views.open") if c.ok])
    click()
    call = emulator.wait_for("views.open", count=shown + 1, timeout=timeout)[shown]
    return ModalForm.stored(emulator, call.response["view"]["id"])


def fill_summary(
    form: ModalForm,
    key_points: str = "",
    actions: list[tuple[str, str, str | None]] | None = None,
    note: str = "",
    covered: list[str] | None = None,
) -> ModalForm:
    """Fill the summary modal as a person does: (text, owner, due) per action item, topics by their text."""
    form.fill("Key points", key_points).fill("Private note", note)
    for nth, (text, owner, due) in enumerate(actions or [], start=1):
        form.fill(f"Action item {nth}", text).choose_user("Owner", owner, nth=nth)
        if due is not None:
            form.pick_date("Due", due, nth=nth)
    if covered:
        form.check(COVERED_TOPICS, *covered)
    return form


def submit_form(slack: SlackRequests, user_id: str, form: ModalForm, **kw: Any) -> Any:
    """`user_id` submits `form`: its view and full state, as Slack sends them (NotSubmittable if Slack's
    client would not send it)."""
    return slack.submit(user_id, form.view, form.state_values(), **kw)


def snapshot(sessions: SessionFactory) -> Rows:
    """Every row of every table (contents, not just counts), but the log of handled request ids."""
    return every_row(sessions, leave_out={"slack_request"})
