"""The emulator's ``chat.getPermalink``, through the real slack_sdk: as rude as Slack's reference says.

Reference: docs.slack.dev/reference/methods/chat.getPermalink (arguments ``channel`` and ``message_ts``;
the permalink's shape, with ``?thread_ts=…&cid=…`` for a reply in a thread; errors ``channel_not_found`` and
``message_not_found``; no scope needed). What the bot may not see answers ``channel_not_found`` (a GUESS,
see emulator/methods/chat.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from emulator.web_api import BOT_TOKEN, BOT_USER_ID, SlackEmulator

ALICE, BOB = "UALICE01", "UBOB0001"
PUBLIC, PRIVATE = "CPUBLIC01", "CPRIVATE1"


@pytest.fixture(scope="module")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator) -> SlackEmulator:
    _emulator.reset()
    _emulator.add_user(ALICE)
    _emulator.add_user(BOB)
    return _emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emu.url)


def error_of(client: WebClient, **args: str) -> str:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.getPermalink", params=args)
    return str(excinfo.value.response["error"])


def test_a_message_in_a_public_channel_the_bot_is_not_in(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_channel(PUBLIC, members=[ALICE, BOB])
    message = emu.add_message(PUBLIC, ALICE, "Budget", ts="1358546515.000008")
    answer = client.chat_getPermalink(channel=PUBLIC, message_ts=message["ts"])
    assert answer.data == {
        "ok": True,
        "channel": PUBLIC,
        "permalink": f"https://testteam.slack.com/archives/{PUBLIC}/p1358546515000008",
    }


def test_a_reply_in_a_thread_carries_its_parent_and_conversation(
    emu: SlackEmulator, client: WebClient
) -> None:
    emu.add_channel(PUBLIC)
    parent = emu.add_message(PUBLIC, ALICE, "Budget", ts="1358546515.000008")
    reply = emu.add_message(PUBLIC, BOB, "Frozen", ts="1358546517.000023", thread_ts=parent["ts"])
    answer = client.chat_getPermalink(channel=PUBLIC, message_ts=reply["ts"])
    assert answer["permalink"] == (
        f"https://testteam.slack.com/archives/{PUBLIC}/p1358546517000023"
        f"?thread_ts=1358546515.000008&cid={PUBLIC}"
    )
    # The parent itself (its thread_ts is its own ts, once it has replies) links plainly.
    client.chat_postMessage(channel=PUBLIC, text="and a bot reply", thread_ts=parent["ts"])
    assert "?" not in client.chat_getPermalink(channel=PUBLIC, message_ts=parent["ts"])["permalink"]


def test_the_bots_own_messages_in_its_dm(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=ALICE, text="Your 1:1 is tomorrow")
    answer = client.chat_getPermalink(channel=posted["channel"], message_ts=posted["ts"])
    assert answer["channel"] == posted["channel"]
    assert answer["permalink"].endswith(f"/archives/{posted['channel']}/p{posted['ts'].replace('.', '')}")


def test_private_conversations_are_visible_only_to_members(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_private_channel(PRIVATE, members=[ALICE, BOB])
    hidden = emu.add_message(PRIVATE, ALICE, "Secret plans")
    assert error_of(client, channel=PRIVATE, message_ts=hidden["ts"]) == "channel_not_found"
    emu.add_private_channel("CPRIVATE2", members=[ALICE, BOT_USER_ID])
    shared = emu.add_message("CPRIVATE2", ALICE, "Plans the bot may see")
    assert client.chat_getPermalink(channel="CPRIVATE2", message_ts=shared["ts"])["ok"]
    # A DM or group DM between people, without the bot.
    for conversation in ("D0PEOPLE1", "G0PEOPLE1"):
        emu.add_channel(conversation, members=[ALICE, BOB])
        between = emu.add_message(conversation, ALICE, "Just us")
        assert error_of(client, channel=conversation, message_ts=between["ts"]) == "channel_not_found"


def test_errors_for_what_does_not_exist_or_is_missing(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_channel(PUBLIC)
    message = emu.add_message(PUBLIC, ALICE, "Budget")
    assert error_of(client, channel=PUBLIC, message_ts="1.000001") == "message_not_found"
    assert error_of(client, channel="CNOWHERE1", message_ts=message["ts"]) == "channel_not_found"
    assert error_of(client, channel=ALICE, message_ts=message["ts"]) == "channel_not_found"  # a user id
    assert error_of(client, message_ts=message["ts"]) == "channel_not_found"
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("chat.getPermalink", params={"channel": PUBLIC})
    assert excinfo.value.response["error"] == "invalid_arguments"
    assert excinfo.value.response["response_metadata"]["messages"] == [
        "[ERROR] missing required field: message_ts"
    ]


def test_faults_can_be_injected(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_channel(PUBLIC)
    message = emu.add_message(PUBLIC, ALICE, "Budget")
    emu.fail_next("chat.getPermalink", status=500)
    with pytest.raises(SlackApiError):
        client.chat_getPermalink(channel=PUBLIC, message_ts=message["ts"])
    assert client.chat_getPermalink(channel=PUBLIC, message_ts=message["ts"])["ok"]
    assert [c.http_status for c in emu.calls("chat.getPermalink")] == [500, 200]
