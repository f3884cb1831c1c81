"""People who leave Slack, end to end over HTTP and Socket Mode: a deactivated account (a `user_change` event,
or `account_inactive` from the API) pauses its 1:1s, the other person is told once, nothing is sent about
them meanwhile, and coming back resumes them; a new zone is used in the next prompt at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import GRACE, MeetingStatus
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person, Series
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import bot_messages, reply_text, text_of, tick
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

PROMPT = "add your topics"
LEFT = "Slack account was deactivated"
BACK = "Slack account is back"
LEAD = timedelta(hours=24)
# Alice (New York) meets Bob on Tuesdays at 10:00 New York: 15:00 UTC, from today (1 December).
ALICE_BOB = [datetime(2026, 12, 1, 15, 0, tzinfo=UTC) + timedelta(weeks=k) for k in range(5)]
# Carol (Tokyo) meets Dave on Wednesdays at 10:00 Tokyo: 01:00 UTC, from 2 December.
CAROL_DAVE = [datetime(2026, 12, 2, 1, 0, tzinfo=UTC) + timedelta(weeks=k) for k in range(5)]


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def calls_about(emulator: SlackEmulator, user_id: str) -> int:
    """How many Web API calls went to the user or into their DM (failed ones too)."""
    dm = emulator.dm_channel_for(user_id)
    return len(
        [
            call
            for call in emulator.calls()
            if user_id in (call.args.get("channel"), call.args.get("user_id"), call.args.get("users"))
            or (dm is not None and call.args.get("channel") == dm)
        ]
    )


def posts(emulator: SlackEmulator) -> int:
    return len(emulator.calls("chat.postMessage"))


def statuses(sessions: SessionFactory, starts: list[datetime]) -> list[MeetingStatus]:
    with sessions() as session:
        found = {m.starts_at: m.status for m in session.scalars(select(Meeting))}
    return [found[at] for at in starts]


def paused(sessions: SessionFactory) -> list[bool]:
    with sessions() as session:
        return [s.paused_at is not None for s in session.scalars(select(Series).order_by(Series.id))]


def prompts_for(emulator: SlackEmulator, user_id: str, day: str) -> list[str]:
    return [text_of(m) for m in bot_messages(emulator, user_id, PROMPT) if day in text_of(m)]


def test_bob_deactivated_pauses_tells_alice_once_sends_nothing_and_his_return_resumes(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, clock())  # today's prompts go to both
    assert prompts_for(emulator, BOB, "Tue 01 Dec")

    # Slack deactivates Bob and says so, twice (a later profile change carries `deleted` too).
    assert slack.user_changed(BOB, emulator.set_deleted(BOB)).status_code == 200
    assert slack.user_changed(BOB).status_code == 200
    told = bot_messages(emulator, ALICE, LEFT)
    assert len(told) == 1
    assert f"<@{BOB}>'s Slack account was deactivated, so your 1:1 is paused" in text_of(told[0])
    assert "if the account comes back, it resumes" in text_of(told[0])
    assert "`/1on1 cancel @ubob0001`" in text_of(told[0])
    assert paused(sessions) == [True]

    # Two meetings go by: nothing to either about the paused 1:1, and no call for Bob at all.
    sent, about_bob = posts(emulator), calls_about(emulator, BOB)
    for meeting in ALICE_BOB[:2]:
        for at in (
            meeting - LEAD,
            meeting + timedelta(minutes=30),
            meeting + timedelta(minutes=31) + GRACE * 2,
        ):
            clock.set(at)
            tick(sessions, settings, at)
    assert posts(emulator) == sent and calls_about(emulator, BOB) == about_bob
    assert statuses(sessions, ALICE_BOB[:2]) == [MeetingStatus.SKIPPED, MeetingStatus.SKIPPED]

    # Bob is back: Alice is told once, and the next meeting's prompts go to both as usual.
    clock.set(ALICE_BOB[2] - LEAD - timedelta(hours=1))
    assert slack.user_changed(BOB, emulator.set_deleted(BOB, deleted=False)).status_code == 200
    assert slack.user_changed(BOB).status_code == 200
    back = bot_messages(emulator, ALICE, BACK)
    assert len(back) == 1 and f"<@{BOB}>'s Slack account is back, so your 1:1 resumes" in text_of(back[0])
    assert bot_messages(emulator, BOB, BACK) == [] and paused(sessions) == [False]
    tick(sessions, settings, clock())
    assert not prompts_for(emulator, BOB, "Tue 15 Dec")  # not before its time
    tick(sessions, settings, ALICE_BOB[2] - LEAD)
    assert prompts_for(emulator, BOB, "Tue 15 Dec") and prompts_for(emulator, ALICE, "Tue 15 Dec")
    assert not prompts_for(emulator, BOB, "Tue 08 Dec")  # nothing for what went by


def test_account_inactive_from_slack_pauses_carols_1on1s_tells_dave_once_and_is_not_retried(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{DAVE}> weekly wed 10:00", user_id=CAROL))
    tick(sessions, settings, clock())  # the first meeting's prompts: both DMs are open
    assert prompts_for(emulator, CAROL, "Wed 02 Dec")
    emulator.set_deleted(CAROL)  # and Slack never sends the event

    tick(sessions, settings, CAROL_DAVE[1] - LEAD)  # the next prompts: Carol's fails
    refused = [c for c in emulator.calls("chat.postMessage") if c.response.get("error") == "account_inactive"]
    assert len(refused) == 1
    told = bot_messages(emulator, DAVE, LEFT)
    assert len(told) == 1 and f"<@{CAROL}>'s Slack account was deactivated" in text_of(told[0])
    assert paused(sessions) == [True]
    with sessions() as session:
        carol = session.scalars(select(Person).where(Person.slack_user_id == CAROL)).one()
        assert carol.deactivated_at == CAROL_DAVE[1] - LEAD
        failed = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient_id == carol.id, OutboxMessage.kind == MessageKind.PROMPT
            )
        ).all()
    assert [(row.status, row.last_error) for row in failed if row.status != DeliveryStatus.SENT] == [
        (DeliveryStatus.FAILED, "account_inactive")
    ]

    # Not retried, and nothing more for either while paused.
    sent = posts(emulator)
    for at in (CAROL_DAVE[1] + timedelta(minutes=30), CAROL_DAVE[1] + GRACE * 3, CAROL_DAVE[2] - LEAD):
        clock.set(at)
        tick(sessions, settings, at)
    assert posts(emulator) == sent
    assert bot_messages(emulator, DAVE, LEFT) == told


def test_a_new_zone_from_user_change_is_used_in_the_next_prompt(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    emulator.add_user(ALICE, name=ALICE.lower(), tz="Asia/Tokyo")  # Alice moved to Tokyo
    assert slack.user_changed(ALICE).status_code == 200
    with sessions() as session:
        alice = session.scalars(select(Person).where(Person.slack_user_id == ALICE)).one()
        assert (alice.timezone, alice.timezone_checked_at) == ("Asia/Tokyo", clock())

    tick(sessions, settings, clock())
    # Tuesday 10:00 in New York is Wednesday 00:00 in Tokyo; Bob, in Berlin, still reads Tuesday 16:00.
    assert prompts_for(emulator, ALICE, "Wed 02 Dec 2026 00:00 JST")
    assert prompts_for(emulator, BOB, "Tue 01 Dec 2026 16:00 CET")


def test_a_guest_keeps_their_1on1s(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    guest = {**emulator.user_object(BOB), "is_restricted": True}
    assert slack.user_changed(BOB, guest).status_code == 200
    tick(sessions, settings, clock())
    assert prompts_for(emulator, BOB, "Tue 01 Dec") and paused(sessions) == [False]
    assert bot_messages(emulator, ALICE, LEFT) == []


def test_list_and_home_say_a_paused_1on1_is_paused_until_the_account_is_back(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    slack.home_opened(ALICE)
    assert "paused" not in reply_text(slack.command("list", user_id=ALICE))

    assert slack.user_changed(BOB, emulator.set_deleted(BOB)).status_code == 200
    assert "paused while a Slack account is deactivated" in reply_text(slack.command("list", user_id=ALICE))
    tick(sessions, settings, datetime(2026, 12, 1, 9, 1, tzinfo=UTC))  # the Home tab's republish goes out
    home = emulator.calls("views.publish")[-1].args["view"]
    assert "paused while a Slack account is deactivated" in text_of(home)

    assert slack.user_changed(BOB, emulator.set_deleted(BOB, deleted=False)).status_code == 200
    assert "paused" not in reply_text(slack.command("list", user_id=ALICE))
