"""What the Slack integration tests share: people, replies, a tick at an instant, message lookups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select

from bot.config import Settings
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import build_delivery_client
from bot.services.tick import TickReport, run_tick
from bot.slack.messages import MessageRenderer
from bot.store.base import Base
from bot.store.db import SessionFactory
from emulator.web_api import SlackEmulator

ALICE, BOB, CAROL, DAVE = "UALICE01", "UBOB0001", "UCAROL01", "UDAVE001"
ZONES = {ALICE: "America/New_York", BOB: "Europe/Berlin", CAROL: "Asia/Tokyo", DAVE: "America/New_York"}


def add_people(emulator: SlackEmulator) -> None:
    for user_id, zone in ZONES.items():
        emulator.add_user(user_id, name=user_id.lower(), tz=zone)


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


def summary_values(
    key_points: str,
    actions: list[tuple[str, str, str | None]],
    note: str = "",
    covered: list[dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The summary modal's state as Slack sends it: (text, owner, due) per action item."""
    values: dict[str, dict[str, Any]] = {"key_points": {"value": key_points}, "note": {"value": note}}
    for index, (text, owner, due) in enumerate(actions, start=1):
        values[f"action_{index}_text"] = {"value": text}
        values[f"action_{index}_owner"] = {"value": {"type": "users_select", "selected_user": owner}}
        values[f"action_{index}_due"] = {"value": {"type": "datepicker", "selected_date": due}}
    if covered is not None:
        values["covered"] = {"value": {"type": "checkboxes", "selected_options": covered}}
    return values


Snapshot = dict[str, list[tuple[str, ...]]]


def snapshot(sessions: SessionFactory) -> Snapshot:
    """Every row of every table (contents, not just counts), but the log of handled request ids."""
    with sessions() as session:
        return {
            table.name: sorted(tuple(repr(v) for v in row) for row in session.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name != "slack_request"
        }


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """The tables whose rows differ between two snapshots."""
    return {name for name in before if before[name] != after[name]}
