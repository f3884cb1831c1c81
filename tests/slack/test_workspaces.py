"""Workspaces that leave (issue 15, part 5), on the wire: `app_uninstalled` or `tokens_revoked` from Alice's
workspace drops what was queued there at once, the ticks after it send nothing there while Carol's workspace
(a second team id in the same database) gets its prompts as before, and 31 days later the clock's job has
deleted every row of Alice's workspace and none of Carol's.

The app serves one bot token today (many workspaces are issue 16), so Carol's messages go out with the same
token: these tests tell the two workspaces apart by their people, and a test of its own revokes the token
in the emulator and sees no call at all after the event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, select

from bot import processes
from bot.config import Settings
from bot.domain.outbox import DeliveryStatus
from bot.services.tick import run_tick
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, Workspace
from emulator.ids import APP_TOKEN, BOT_USER_ID, TEAM_ID
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import posts_to, reply_text, text_of, tick
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

OTHER_TEAM = "T0002"  # Carol and Dave's workspace
PROMPT = "add your topics"  # in every pre-meeting prompt's text
# Alice and Bob meet Tuesdays 10:00 New York (15:00 UTC), prompted 24 h ahead; Carol and Dave Wednesdays
# 10:00 Tokyo (01:00 UTC), prompted Tuesdays 01:00 UTC.
PROMPTED = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Alice and Bob's 8 Dec prompts are due


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def leaving_event(kind: str) -> dict[str, Any]:
    if kind == "tokens_revoked":  # the bot's token: the only one this app has
        return {"type": kind, "tokens": {"oauth": [], "bot": [BOT_USER_ID]}}
    return {"type": kind}


def two_workspaces_with_prompts_queued(slack: SlackSender, sessions: SessionFactory) -> None:
    """Both pairs scheduled, a topic each, and Alice and Bob's prompts for 8 December queued, not yet sent."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command(f"schedule <@{DAVE}> weekly wed 10:00", user_id=CAROL, team_id=OTHER_TEAM))
    reply_text(slack.command("add-topic Budget for Q1", user_id=ALICE))
    reply_text(slack.command("add-topic Hiring plan", user_id=CAROL, team_id=OTHER_TEAM))
    run_tick(sessions, PROMPTED)  # queued only: the deliverer hasn't run


def unsent_to(sessions: SessionFactory, *users: str) -> dict[DeliveryStatus, int]:
    """How the messages to these people stand, by status (the prompts among them)."""
    with sessions() as session:
        ids = session.scalars(select(Person.id).where(Person.slack_user_id.in_(users))).all()
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id.in_(ids))).all()
    found: dict[DeliveryStatus, int] = {}
    for row in rows:
        found[row.status] = found.get(row.status, 0) + 1
    return found


def touches(call: Any, emulator: SlackEmulator, users: tuple[str, ...]) -> bool:
    """The Web API call is about one of `users`: posted to them or their DM, or published to their Home."""
    places = {*users, *(emulator.dm_channel_for(user) for user in users)} - {None}
    return bool(places & {call.args.get("channel"), call.args.get("user_id"), call.args.get("users")})


# ------------------------------------------------------------------------------------------ rows by workspace


def rows_by_team(sessions: SessionFactory) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, by the workspace it belongs to: a workspace's own row, then any row a foreign
    key ties to a row of it (whatever the table), and a message posted straight to one of its people's DMs.
    Rows of no workspace (handled requests, heartbeats) are under ""."""
    owner: dict[tuple[str, Any], str] = {}
    found: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    with sessions() as session:
        people = {p.slack_user_id: p for p in session.scalars(select(Person))}
        teams = dict(session.execute(select(Workspace.id, Workspace.slack_team_id)).all())
        channels = {p.dm_channel_id: teams[p.workspace_id] for p in people.values() if p.dm_channel_id}
        channels |= {user: teams[p.workspace_id] for user, p in people.items()}
        for table in Base.metadata.sorted_tables:  # parents first
            for row in session.execute(select(table)).mappings():
                team = _team_of(table, row, owner, channels)
                key = row[next(iter(table.primary_key.columns)).name]
                owner[(table.name, key)] = team
                found.setdefault(team, {}).setdefault(table.name, []).append(tuple(row.values()))
    return found


def _team_of(table: Table, row: Any, owner: dict[tuple[str, Any], str], channels: dict[str, str]) -> str:
    if table.name == "workspace":
        return str(row["slack_team_id"])
    for fk in table.foreign_keys:
        value = row[fk.parent.name]
        if value is not None and (fk.column.table.name, value) in owner:
            return owner[(fk.column.table.name, value)]
    return channels.get(row.get("channel_id") or "", "")


def counted(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    return {table: len(found) for table, found in rows.items()}


# ------------------------------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
def test_a_workspace_that_leaves_hears_nothing_more_and_its_data_goes_after_the_retention_period(
    kind: str,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    two_workspaces_with_prompts_queued(slack, sessions)
    waiting = unsent_to(sessions, ALICE, BOB)
    assert waiting[DeliveryStatus.PENDING] >= 2  # their prompts wait to go (Bob was told of the series)

    clock.set(PROMPTED)
    calls_before = len(emulator.calls())
    assert slack.event(leaving_event(kind), team_id=TEAM_ID).status_code == 200

    # At once: everything queued for Alice and Bob is dropped, for good; what went before stays sent.
    assert unsent_to(sessions, ALICE, BOB) == {
        DeliveryStatus.SENT: waiting[DeliveryStatus.SENT],
        DeliveryStatus.DROPPED: waiting[DeliveryStatus.PENDING],
    }
    with sessions() as session:
        dropped = OutboxMessage.status == DeliveryStatus.DROPPED
        assert set(session.scalars(select(OutboxMessage.last_error).where(dropped))) == {"uninstalled"}
        assert (
            session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == TEAM_ID))
            == PROMPTED
        )

    # A week and a half of ticks: Carol and Dave get their prompts, Alice and Bob nothing at all.
    at = PROMPTED
    while at < PROMPTED + timedelta(days=10):
        at += timedelta(hours=6)
        tick(sessions, settings, at)
    after = emulator.calls()[calls_before:]
    assert [c.method for c in after if touches(c, emulator, (ALICE, BOB))] == []
    assert len([m for m in posts_to(emulator, CAROL) if PROMPT in m["text"]]) == 2  # 9 and 16 December
    assert len([m for m in posts_to(emulator, DAVE) if PROMPT in m["text"]]) == 2
    assert unsent_to(sessions, ALICE, BOB)[DeliveryStatus.SENT] == waiting[DeliveryStatus.SENT]
    assert DeliveryStatus.PENDING not in unsent_to(sessions, ALICE, BOB)

    # The clock's retention job (as `clock` and `run` schedule it): nothing goes before 30 days are up.
    before = rows_by_team(sessions)
    assert {"workspace", "person", "pair", "series", "meeting", "topic", "outbox"} <= set(before[TEAM_ID])
    retention = replace(settings, uninstall_retention_days=30)
    processes._retention(retention, sessions, lambda: PROMPTED + timedelta(days=29, hours=23))()
    assert rows_by_team(sessions) == before

    processes._retention(retention, sessions, lambda: PROMPTED + timedelta(days=31))()

    after_deletion = rows_by_team(sessions)
    assert TEAM_ID not in after_deletion  # not one row of any table
    assert after_deletion[OTHER_TEAM] == before[OTHER_TEAM]  # every row of the other, unchanged
    assert counted(after_deletion[OTHER_TEAM]) == counted(before[OTHER_TEAM])


@pytest.mark.parametrize("kind", ["app_uninstalled", "tokens_revoked"])
def test_once_slack_revokes_the_token_the_app_makes_no_call_with_it(
    kind: str,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    """The app's one workspace leaves: Slack revokes the token, and the app never tries it again."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command("add-topic Budget for Q1", user_id=ALICE))
    run_tick(sessions, PROMPTED)
    clock.set(PROMPTED)
    calls_before = len(emulator.calls())
    emulator.revoke_bot_token()

    assert slack.event(leaving_event(kind), team_id=TEAM_ID).status_code == 200
    at = PROMPTED
    while at < PROMPTED + timedelta(days=15):  # two more meetings' prompts, follow-ups and nudges
        at += timedelta(hours=3)
        tick(sessions, settings, at)

    assert [
        (c.method, c.response.get("error")) for c in emulator.calls()[calls_before:] if c.token != APP_TOKEN
    ] == []
    assert unsent_to(sessions, ALICE, BOB).get(DeliveryStatus.FAILED) is None  # dropped, not failed


def test_a_workspace_that_comes_back_works_again(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    clock.set(START + timedelta(days=1))
    slack.event(leaving_event("app_uninstalled"), team_id=TEAM_ID)

    clock.set(PROMPTED - timedelta(hours=1))
    reply_text(slack.command("add-topic Budget for Q1", user_id=ALICE))  # reinstalled: a request from it
    tick(sessions, settings, PROMPTED)

    with sessions() as session:
        assert session.scalar(select(Workspace.uninstalled_at)) is None
    assert [m for m in posts_to(emulator, BOB) if PROMPT in m["text"] and "Budget for Q1" in text_of(m)]
