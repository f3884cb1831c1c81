"""The Slack Web API emulator, the request builders and `python -m emulator`, through the real slack_sdk."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from emulator.requests import (
    SlackRequests,
    SlackSender,
    SlackWouldRefuse,
    block_actions_body,
    dm_message_event,
    event_body,
    new_trigger_id,
    sign,
    slash_command_body,
    view_submission_body,
)
from emulator.web_api import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, RateLimits, SlackEmulator

TRIGGER = "12345.98765.abcd2358fdea"
SECRET = "signing-secret"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator) -> SlackEmulator:
    _emulator.reset()
    return _emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emu.url)


def _error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> str:
    return excinfo.value.response["error"]


def _modal(**overrides: Any) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Agenda"}}
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "1:1 agenda"},
        "blocks": [section],
        **overrides,
    }


# ---------------------------------------------------------------- auth and arguments


def test_missing_and_unknown_tokens_answer_200_with_slack_errors(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emu.url).auth_test()
    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-nope", base_url=emu.url).auth_test()

    assert (_error(missing), missing.value.response.status_code) == ("not_authed", 200)
    assert (_error(unknown), unknown.value.response.status_code) == ("invalid_auth", 200)
    assert [c.token for c in emu.calls("auth.test")] == [None, "xoxb-nope"]


def test_token_may_come_as_a_form_field(emu: SlackEmulator) -> None:
    answer = httpx.post(emu.url + "auth.test", data={"token": BOT_TOKEN}).json()

    assert answer["ok"] and answer["user_id"] == BOT_USER_ID
    assert emu.calls("auth.test")[0].token == BOT_TOKEN
    assert "token" not in emu.calls("auth.test")[0].args


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call("meetings.teleport")
    assert _error(excinfo) == "unknown_method"


def test_required_arguments(emu: SlackEmulator, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as no_user:
        client.users_info(user="")
    with pytest.raises(SlackApiError) as unknown_user:
        client.users_info(user="UNOBODY")
    with pytest.raises(SlackApiError) as no_channel:
        client.api_call("chat.postMessage", params={"text": "hi"})
    with pytest.raises(SlackApiError) as no_users:
        client.api_call("conversations.open")
    emu.add_user("U1")
    with pytest.raises(SlackApiError) as no_text, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="U1")

    assert _error(no_user) == "invalid_arguments"
    assert no_user.value.response["response_metadata"]["messages"] == ["[ERROR] missing required field: user"]
    assert _error(unknown_user) == "user_not_found"
    assert _error(no_channel) == "channel_not_found"
    assert _error(no_users) == "users_list_not_supplied"
    assert _error(no_text) == "no_text"


def test_users_info_reports_time_zone(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1", "ana", tz="Europe/London")
    emu.add_user("U2", tz="Asia/Kolkata", tz_label="India Standard Time", tz_offset=19800)

    ana = client.users_info(user="U1")["user"]
    other = client.users_info(user="U2")["user"]

    assert (ana["id"], ana["name"], ana["tz"], ana["is_bot"]) == ("U1", "ana", "Europe/London", False)
    assert ana["tz_offset"] in (0, 3600) and ana["tz_label"] in ("Greenwich Mean Time", "British Summer Time")
    assert ana["profile"]["display_name"] == "ana"
    assert (other["tz_offset"], other["tz_label"]) == (19800, "India Standard Time")


# ---------------------------------------------------------------- conversations and messages


def test_conversations_open_gives_stable_ids(emu: SlackEmulator, client: WebClient) -> None:
    for user_id in ("U1", "U2", "U3"):
        emu.add_user(user_id)

    dm = client.conversations_open(users="U1")
    dm_again = client.conversations_open(users=["U1"])
    group = client.conversations_open(users="U1,U2,U3")
    group_again = client.conversations_open(users="U3,U2,U1", return_im=True)

    assert dm["channel"]["id"].startswith("D") and dm_again["channel"]["id"] == dm["channel"]["id"]
    assert "already_open" not in dm.data and dm_again["already_open"] is True
    assert group["channel"]["id"].startswith("G") and group_again["channel"]["id"] == group["channel"]["id"]
    assert group_again["channel"]["is_mpim"] is True
    assert emu.dm_channel_for("U1") == dm["channel"]["id"] and emu.dm_channel_for("U2") is None
    assert sorted(emu.members(group["channel"]["id"]) or []) == sorted(["U1", "U2", "U3", BOT_USER_ID])


def test_conversations_open_errors(emu: SlackEmulator, client: WebClient) -> None:
    for i in range(9):
        emu.add_user(f"U{i}")
    emu.add_user("UGONE", deleted=True)

    errors = []
    for users in (",".join(f"U{i}" for i in range(9)), "U1,UNOBODY", "UGONE"):
        with pytest.raises(SlackApiError) as excinfo:
            client.conversations_open(users=users)
        errors.append(_error(excinfo))

    assert errors == ["too_many_users", "user_not_found", "user_disabled"]


def test_post_into_a_thread_and_update_the_stored_message(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    channel = client.conversations_open(users="U1")["channel"]["id"]

    parent = client.chat_postMessage(channel=channel, text="Agenda for Tuesday")
    reply = client.chat_postMessage(channel=channel, text="1. Roadmap", thread_ts=parent["ts"])
    client.chat_update(channel=channel, ts=parent["ts"], text="Agenda for Wednesday", blocks=[])

    stored = emu.messages(channel)
    assert [m["text"] for m in stored] == ["Agenda for Wednesday", "1. Roadmap"]
    assert stored[1]["thread_ts"] == parent["ts"] and reply["message"]["thread_ts"] == parent["ts"]
    assert float(reply["ts"]) > float(parent["ts"])
    assert reply["message"]["user"] == BOT_USER_ID and reply["message"]["bot_id"]
    assert stored[0]["reply_count"] == 1 and "edited" in stored[0]
    with pytest.raises(SlackApiError) as unknown_ts:
        client.chat_update(channel=channel, ts="1.000001", text="x")
    with pytest.raises(SlackApiError) as user_id_channel:
        client.chat_update(channel="U1", ts=parent["ts"], text="x")
    assert _error(unknown_ts) == "message_not_found"
    assert _error(user_id_channel) == "channel_not_found"


def test_posting_to_a_user_id_lands_in_their_dm(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")

    answer = client.chat_postMessage(channel="U1", text="Hi")

    assert answer["channel"] == emu.dm_channel_for("U1") == emu.open_dm("U1")
    assert [m["text"] for m in emu.messages(answer["channel"])] == ["Hi"]


def test_unknown_thread_is_accepted_unless_strict(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    client.chat_postMessage(channel="U1", text="orphan", thread_ts="1.000001")
    emu.strict_threads = True

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="U1", text="orphan", thread_ts="1.000001")
    assert _error(excinfo) == "thread_not_found"


def test_form_and_json_bodies_store_the_same_blocks(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Agenda*"}}]

    client.chat_postMessage(channel="U1", text="Agenda", blocks=blocks)  # slack-sdk sends JSON
    client.api_call(
        "chat.postMessage", params={"channel": "U1", "text": "Agenda", "blocks": json.dumps(blocks)}
    )

    assert [m["blocks"] for m in emu.messages(emu.dm_channel_for("U1") or "")] == [blocks, blocks]
    assert all(c.args["blocks"] == blocks for c in emu.calls("chat.postMessage"))


def test_message_limits(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    block = {"type": "divider"}

    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="U1", text="x", blocks=[block] * 51)
    long = client.chat_postMessage(channel="U1", text="a" * 40_001)

    assert _error(too_many) == "invalid_blocks"
    assert long["response_metadata"]["warnings"] == ["message_truncated"]
    assert len(emu.messages(long["channel"])[0]["text"]) == 40_000


def test_ephemeral_needs_a_member(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    emu.add_user("U2")
    channel = client.conversations_open(users="U1")["channel"]["id"]

    answer = client.chat_postEphemeral(channel=channel, user="U1", text="Only you")
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postEphemeral(channel=channel, user="U2", text="Not you")

    assert answer["message_ts"] and emu.ephemerals(channel)[0]["text"] == "Only you"
    assert _error(excinfo) == "user_not_in_channel"


# ---------------------------------------------------------------- faults


def test_rate_limit_with_retry_after_zero_is_retried_by_the_sdk(
    emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The handler sleeps Retry-After + random.random() seconds; pin the jitter so the test never waits.
    monkeypatch.setattr(builtin_handlers.random, "random", lambda: 0.0)
    emu.add_user("U1")
    emu.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token=BOT_TOKEN, base_url=emu.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )

    answer = client.chat_postMessage(channel="U1", text="Hi")

    assert answer["ok"] is True
    calls = emu.calls("chat.postMessage")
    assert [c.http_status for c in calls] == [429, 200]
    assert calls[0].injected and calls[0].response == {"ok": False, "error": "ratelimited"}
    assert emu.wait_for("chat.postMessage", timeout=0) == [calls[1]]


def test_rate_limit_header(emu: SlackEmulator) -> None:
    emu.fail_next("auth.test", status=429, retry_after=0)

    answer = httpx.post(emu.url + "auth.test", headers={"Authorization": f"Bearer {BOT_TOKEN}"})

    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "0")
    assert answer.json() == {"ok": False, "error": "ratelimited"}


def test_server_error_surfaces_as_slack_api_error(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("auth.test", status=500)

    with pytest.raises(SlackApiError) as excinfo:
        client.auth_test()

    assert excinfo.value.response.status_code == 500
    assert client.auth_test()["ok"] is True  # only the next call failed


def test_injected_platform_error(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("users.info", status=200, error="account_inactive", times=2)

    errors = []
    for _ in range(2):
        with pytest.raises(SlackApiError) as excinfo:
            client.users_info(user=BOT_USER_ID)
        errors.append(_error(excinfo))

    assert errors == ["account_inactive", "account_inactive"]
    assert client.users_info(user=BOT_USER_ID)["user"]["is_bot"] is True


def test_random_faults_are_reproducible(emu: SlackEmulator) -> None:
    def statuses() -> list[int]:
        with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as http:
            return [http.post("auth.test").status_code for _ in range(30)]

    emu.set_fault_rate(rate_429=0.2, rate_500=0.05, seed=7)
    first = statuses()
    emu.set_fault_rate(rate_429=0.2, rate_500=0.05, seed=7)

    assert statuses() == first
    assert 429 in first and set(first) <= {200, 429, 500}


# ---------------------------------------------------------------- views


def test_views_open_validation(emu: SlackEmulator, client: WebClient) -> None:
    cases = {
        "no trigger": {"trigger_id": "", "view": _modal()},
        "bad trigger": {"trigger_id": "not-a-trigger", "view": _modal()},
        "no title": {"trigger_id": TRIGGER, "view": {"type": "modal", "blocks": []}},
        "home as modal": {"trigger_id": TRIGGER, "view": {"type": "home", "blocks": []}},
        "101 blocks": {"trigger_id": TRIGGER, "view": _modal(blocks=[{"type": "divider"}] * 101)},
        "long metadata": {"trigger_id": TRIGGER, "view": _modal(private_metadata="x" * 3001)},
        "long title": {"trigger_id": TRIGGER, "view": _modal(title={"type": "plain_text", "text": "x" * 25})},
        "too large": {"trigger_id": TRIGGER, "view": _modal(private_metadata="x" * 300_000)},
    }
    errors = {}
    for name, kwargs in cases.items():
        with pytest.raises(SlackApiError) as excinfo:
            client.api_call("views.open", json=kwargs)
        errors[name] = _error(excinfo)

    assert errors == {
        "no trigger": "invalid_arguments",
        "bad trigger": "invalid_trigger_id",
        "no title": "invalid_arguments",
        "home as modal": "invalid_arguments",
        "101 blocks": "invalid_arguments",
        "long metadata": "invalid_arguments",
        "long title": "invalid_arguments",
        "too large": "view_too_large",
    }


def test_views_open_update_and_publish(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")

    trigger = emu.new_trigger_id("U1")

    opened = client.views_open(trigger_id=trigger, view=_modal(callback_id="agenda", private_metadata="m1"))[
        "view"
    ]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash="0.stale", view=_modal())
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=_modal(callback_id="v2"))[
        "view"
    ]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}]})["view"]

    assert opened["id"].startswith("V") and (opened["callback_id"], opened["private_metadata"]) == (
        "agenda",
        "m1",
    )
    assert _error(stale) == "hash_conflict"
    assert updated["id"] == opened["id"] and updated["callback_id"] == "v2"
    assert emu.home_view("U1") == home and home["type"] == "home"


# ---------------------------------------------------------------- blocks, as strict as Slack

# A realistic message: a header, a section with a button, context, a divider and actions with a confirm.
MEETING_MESSAGE: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "1:1 with Bob"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Tuesday 10:00* with <@U2>\n• Roadmap\n• Hiring plan"},
        "accessory": {
            "type": "button",
            "text": {"type": "plain_text", "text": "Add topic"},
            "action_id": "add_topic",
            "value": "42",
        },
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "2 topics · every other week"}]},
    {"type": "divider"},
    {
        "type": "actions",
        "block_id": "meeting_42",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Done"},
                "action_id": "done",
                "value": "42",
                "style": "primary",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Skip"},
                "action_id": "skip",
                "value": "42",
                "style": "danger",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Skip this 1:1?"},
                    "text": {"type": "mrkdwn", "text": "Bob is told it is off."},
                    "confirm": {"type": "plain_text", "text": "Skip"},
                    "deny": {"type": "plain_text", "text": "Keep"},
                },
            },
        ],
    },
]


def _input(block_id: str, label: str, element: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        **extra,
    }


def _topic_modal(**overrides: Any) -> dict[str, Any]:
    """A realistic modal of input blocks: text, a person, a date, checkboxes."""
    return {
        "type": "modal",
        "callback_id": "add_topic",
        "private_metadata": "42",
        "title": {"type": "plain_text", "text": "Add a topic"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _input(
                "topic",
                "Topic",
                {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": 500},
            ),
            _input(
                "with",
                "With",
                {
                    "type": "users_select",
                    "action_id": "user",
                    "placeholder": {"type": "plain_text", "text": "Who"},
                },
            ),
            _input(
                "when", "Meeting", {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-01"}
            ),
            _input(
                "options",
                "Options",
                {
                    "type": "checkboxes",
                    "action_id": "flags",
                    "options": [{"text": {"type": "plain_text", "text": "Private"}, "value": "private"}],
                },
                optional=True,
            ),
        ],
        **overrides,
    }


def _button(text: str = "Done", action_id: str = "done") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# (blocks, the one message Slack answers): one case per kind of limit the models know, and shapes they refuse.
INVALID_BLOCKS = {
    "section text over 3000": (
        [_section("x" * 3001)],
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ),
    "empty section text": (
        [_section("")],
        "[ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text]",
    ),
    "button text over 75": (
        [{"type": "actions", "elements": [_button("x" * 76)]}],
        "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    "action_id over 255": (
        [_section("ok"), {"type": "actions", "elements": [_button(action_id="a" * 256)]}],
        "[ERROR] must be less than 256 characters [json-pointer:/blocks/1/elements/0/action_id]",
    ),
    "26 buttons": (
        [{"type": "actions", "elements": [_button(action_id=f"b{i}") for i in range(26)]}],
        "[ERROR] no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    "two buttons of one block with one action_id": (
        [{"type": "actions", "elements": [_button(action_id="tap"), _button(action_id="tap")]}],
        "[ERROR] action_id must be unique in a block [json-pointer:/blocks/0/elements/1]",
    ),
    "unknown block type": (
        [{"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}}],
        "[ERROR] unsupported block type: sektion [json-pointer:/blocks/0/type]",
    ),
    "unknown element type": (
        [{"type": "actions", "elements": [{**_button(), "type": "buton"}]}],
        "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/elements/0]",
    ),
    "actions without elements": (
        [{"type": "actions"}],
        "[ERROR] missing required field: elements [json-pointer:/blocks/0]",
    ),
    "block without type": ([{"text": "x"}], "[ERROR] missing required field: type [json-pointer:/blocks/0]"),
}


@pytest.mark.parametrize("case", INVALID_BLOCKS)
def test_chat_post_message_refuses_blocks_slack_would_refuse(
    emu: SlackEmulator, client: WebClient, case: str
) -> None:
    emu.add_user("U1")
    blocks, message = INVALID_BLOCKS[case]

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="U1", text="x", blocks=blocks)

    assert _error(excinfo) == "invalid_blocks"
    assert excinfo.value.response["response_metadata"]["messages"] == [message]
    assert emu.messages(emu.open_dm("U1")) == []


def test_every_message_method_refuses_invalid_blocks(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    channel = client.conversations_open(users="U1")["channel"]["id"]
    posted = client.chat_postMessage(channel=channel, text="Agenda", blocks=MEETING_MESSAGE)
    bad = [_section("fine"), {"type": "actions", "elements": [_button("x" * 76)]}]

    errors = []
    for call in (
        lambda: client.chat_postMessage(channel=channel, text="x", blocks=bad),
        lambda: client.chat_postEphemeral(channel=channel, user="U1", text="x", blocks=bad),
        lambda: client.chat_update(channel=channel, ts=posted["ts"], text="x", blocks=bad),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            call()
        errors.append((_error(excinfo), excinfo.value.response["response_metadata"]["messages"]))

    pointer = "[ERROR] must be less than 76 characters [json-pointer:/blocks/1/elements/0/text/text]"
    assert errors == [("invalid_blocks", [pointer])] * 3
    assert [m["blocks"] for m in emu.messages(channel)] == [MEETING_MESSAGE]  # neither added nor changed
    assert emu.ephemerals(channel) == []


def test_valid_blocks_are_accepted_everywhere(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    channel = client.conversations_open(users="U1")["channel"]["id"]

    posted = client.chat_postMessage(channel=channel, text="Agenda", blocks=MEETING_MESSAGE)
    client.chat_postEphemeral(channel=channel, user="U1", text="Agenda", blocks=MEETING_MESSAGE)
    client.chat_update(channel=channel, ts=posted["ts"], text="Agenda", blocks=MEETING_MESSAGE[:2])
    url = emu.new_response_url()
    answer = WebhookClient(url).send(text="Agenda", blocks=MEETING_MESSAGE, replace_original=True)
    opened = client.views_open(trigger_id=emu.new_trigger_id("U1"), view=_topic_modal())["view"]
    client.views_update(view_id=opened["id"], view=_topic_modal(private_metadata="43"))
    client.views_push(trigger_id=emu.new_trigger_id("U1"), view=_topic_modal())
    client.views_publish(user_id="U1", view={"type": "home", "blocks": MEETING_MESSAGE})

    assert emu.messages(channel)[0]["blocks"] == MEETING_MESSAGE[:2]
    assert emu.ephemerals(channel)[0]["blocks"] == MEETING_MESSAGE
    assert (answer.status_code, answer.body) == (200, "ok")
    assert emu.view(opened["id"])["private_metadata"] == "43"  # type: ignore[index]
    assert as_sent(emu.home_view("U1")["blocks"], MEETING_MESSAGE) == MEETING_MESSAGE  # type: ignore[index]


def test_blocks_that_are_not_a_list_are_a_format_error(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")

    errors = []
    for blocks in ('[{"type": "divider"', '{"type": "divider"}', "divider"):  # form-encoded: JSON strings
        with pytest.raises(SlackApiError) as excinfo:
            client.api_call("chat.postMessage", params={"channel": "U1", "text": "x", "blocks": blocks})
        errors.append(_error(excinfo))
    with pytest.raises(SlackApiError) as as_json:
        client.api_call(
            "chat.postMessage", json={"channel": "U1", "text": "x", "blocks": {"type": "divider"}}
        )

    assert errors == ["invalid_blocks_format"] * 3
    assert _error(as_json) == "invalid_blocks_format"


def test_views_refuse_invalid_blocks(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    opened = client.views_open(trigger_id=emu.new_trigger_id("U1"), view=_topic_modal())["view"]
    bad_date = _input(
        "when", "Meeting", {"type": "datepicker", "action_id": "day", "initial_date": "1/12/2026"}
    )
    modal = _topic_modal(blocks=[_section("Add a topic"), bad_date])

    answers = []
    for call in (
        lambda: client.views_open(trigger_id=emu.new_trigger_id("U1"), view=modal),
        lambda: client.views_push(trigger_id=emu.new_trigger_id("U1"), view=modal),
        lambda: client.views_update(view_id=opened["id"], view=modal),
        lambda: client.views_publish(user_id="U1", view={"type": "home", "blocks": modal["blocks"]}),
    ):
        with pytest.raises(SlackApiError) as excinfo:
            call()
        answers.append((_error(excinfo), excinfo.value.response["response_metadata"]["messages"]))

    message = (
        "[ERROR] initial_date attribute must be in format 'YYYY-MM-DD' "
        "[json-pointer:/view/blocks/1/element/initial_date]"
    )
    assert answers == [("invalid_arguments", [message])] * 4
    sent = _topic_modal()["blocks"]
    assert as_sent(emu.view(opened["id"])["blocks"], sent) == sent  # type: ignore[index]
    assert emu.home_view("U1") is None


def test_views_follow_the_view_models_limits(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    cases = {
        "long title": _modal(title={"type": "plain_text", "text": "x" * 25}),
        "long submit": _modal(submit={"type": "plain_text", "text": "x" * 25}),
        "long callback_id": _modal(callback_id="c" * 256),
        "no blocks": _modal(blocks=[]),
        "bad block": _modal(blocks=[{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]),
    }

    messages = {}
    for name, view in cases.items():
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id=emu.new_trigger_id("U1"), view=view)
        assert _error(excinfo) == "invalid_arguments"
        messages[name] = excinfo.value.response["response_metadata"]["messages"]

    assert messages == {
        "long title": ["[ERROR] title must be between 1 and 24 characters [json-pointer:/view/title]"],
        "long submit": ["[ERROR] must be less than 25 characters [json-pointer:/view/submit/text]"],
        "long callback_id": ["[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]"],
        "no blocks": ["[ERROR] views must contain between 1 and 100 blocks [json-pointer:/view]"],
        "bad block": ["[ERROR] must be less than 151 characters [json-pointer:/view/blocks/0/text/text]"],
    }


def test_response_url_refuses_invalid_blocks(emu: SlackEmulator) -> None:
    url = emu.new_response_url()
    webhook = WebhookClient(url)

    invalid = webhook.send(text="x", blocks=[{"type": "actions", "elements": [_button("x" * 76)]}])
    not_a_list = webhook.send_dict({"text": "x", "blocks": {"type": "divider"}})
    accepted = webhook.send(text="x", blocks=MEETING_MESSAGE)

    assert (invalid.status_code, invalid.body) == (400, "invalid_blocks")  # Slack says no more than that
    assert (not_a_list.status_code, not_a_list.body) == (400, "invalid_blocks_format")
    assert (accepted.status_code, accepted.body) == (200, "ok")
    refused = emu.response_posts(url)[0]
    assert refused.http_status == 400 and refused.problems == (
        "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    )
    assert len(emu.wait_for_response_posts(url=url, timeout=0)) == 1  # refused posts use none of the five


# ---------------------------------------------------------------- trigger ids


def test_an_issued_trigger_opens_one_view(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    trigger = emu.new_trigger_id("U1")
    unused = emu.trigger(trigger)

    opened = client.views_open(trigger_id=trigger, view=_modal())
    with pytest.raises(SlackApiError) as again:
        client.views_open(trigger_id=trigger, view=_modal())
    with pytest.raises(SlackApiError) as pushed_again:
        client.views_push(trigger_id=trigger, view=_modal())

    assert re.fullmatch(r"\d+\.\d+\.[0-9a-f]+", trigger)  # the documented shape "132456.7890123.abcdef"
    assert unused is not None and (unused.user_id, unused.exchanged) == ("U1", False)
    assert opened["ok"] is True
    assert _error(again) == _error(pushed_again) == "exchanged_trigger_id"
    assert emu.trigger(trigger).exchanged is True  # type: ignore[union-attr]


def test_a_trigger_the_emulator_never_issued_opens_nothing(emu: SlackEmulator, client: WebClient) -> None:
    errors = []
    for trigger in (TRIGGER, new_trigger_id(), "not-a-trigger"):  # documented example, made up, malformed
        with pytest.raises(SlackApiError) as excinfo:
            client.views_open(trigger_id=trigger, view=_modal())
        errors.append(_error(excinfo))

    assert errors == ["invalid_trigger_id"] * 3
    assert emu.trigger(TRIGGER) is None


def test_a_trigger_expires_3_seconds_after_it_was_issued(
    emu: SlackEmulator, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Pass a valid trigger_id within 3 seconds of receiving it" (Bolt, "Opening modals"): within, so a
    # trigger used 3.0 s after issue still opens.
    clock = _Seconds()
    monkeypatch.setattr(emu, "clock", clock)
    early, boundary, late = (emu.new_trigger_id("U1") for _ in range(3))
    issued = clock.now

    clock.now = issued + 2.9
    opened_early = client.views_open(trigger_id=early, view=_modal())
    clock.now = issued + 3.0
    opened_at_3s = client.views_push(trigger_id=boundary, view=_modal())
    clock.now = issued + 3.1
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=late, view=_modal())

    assert opened_early["ok"] and opened_at_3s["ok"]
    assert _error(expired) == "expired_trigger_id"
    assert emu.trigger(late).exchanged is False  # type: ignore[union-attr]


def test_senders_carry_trigger_ids_the_emulator_issued(emu: SlackEmulator, client: WebClient) -> None:
    sent: list[dict[str, Any]] = []

    def app(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        sent.append(
            json.loads(form["payload"][0]) if "payload" in form else {k: v[0] for k, v in form.items()}
        )
        return httpx.Response(200)

    sender = SlackSender("http://app.test/", SECRET, responses=emu)
    sender.client = httpx.Client(transport=httpx.MockTransport(app))
    with sender:
        sender.command("agenda", "U1")
        sender.action(
            "U2", [{"action_id": "done", "value": "7"}], channel_id="D1", message={"ts": "1.000001"}
        )
        sender.submit("U3", {"callback_id": "agenda"}, {"topic": {"text": "Roadmap"}})
        sender.command("agenda", "U1", trigger_id="111.222.aaa")  # a test's own id: passed through as is

    triggers = [body["trigger_id"] for body in sent]
    issued = [emu.trigger(t) for t in triggers]
    assert [t.user_id if t else None for t in issued] == ["U1", "U2", "U3", None]
    assert triggers[3] == "111.222.aaa"
    assert client.views_open(trigger_id=triggers[0], view=_modal())["ok"] is True


# ---------------------------------------------------------------- response_url and waiting


def test_response_url_accepts_five_posts(emu: SlackEmulator) -> None:
    url = emu.new_response_url()
    webhook = WebhookClient(url)

    answers = [webhook.send(text=f"update {i}") for i in range(6)]

    assert [(a.status_code, a.body) for a in answers] == [(200, "ok")] * 5 + [(404, "used_url")]
    assert [p.payload["text"] for p in emu.response_posts(url) if p.http_status == 200] == [
        f"update {i}" for i in range(5)
    ]
    assert WebhookClient(emu.base + "/response/unknown").send(text="x").status_code == 404


def test_wait_for_returns_once_the_call_arrives(emu: SlackEmulator, client: WebClient) -> None:
    threading.Thread(target=client.auth_test).start()

    calls = emu.wait_for("auth.test", timeout=5)

    assert calls[0].response["user_id"] == BOT_USER_ID


def test_wait_for_times_out_with_a_listing(emu: SlackEmulator, client: WebClient) -> None:
    client.auth_test()
    started = time.monotonic()

    with pytest.raises(AssertionError, match=r"chat\.postMessage(.|\n)*auth\.test http=200 ok"):
        emu.wait_for("chat.postMessage", timeout=0.05)
    assert time.monotonic() - started < 1


# ---------------------------------------------------------------- rate limits (opt-in)


class _Seconds:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _post(client: WebClient, channel: str) -> tuple[int, str | None]:
    """(HTTP status, Retry-After) of one chat.postMessage."""
    try:
        answer = client.chat_postMessage(channel=channel, text="x")
    except SlackApiError as exc:
        return exc.response.status_code, exc.response.headers.get("Retry-After")
    return answer.status_code, None


def test_rate_limits_are_off_unless_enforced(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("U1")
    assert {_post(client, "U1")[0] for _ in range(30)} == {200}

    emu.enforce_rate_limits(RateLimits(post_channel_burst=1), clock=_Seconds())
    assert [_post(client, "U1")[0] for _ in range(2)] == [200, 429]
    emu.reset()
    emu.add_user("U1")
    assert {_post(client, "U1")[0] for _ in range(5)} == {200}


def test_one_message_a_second_per_channel_after_a_short_burst(emu: SlackEmulator, client: WebClient) -> None:
    clock = _Seconds()
    emu.enforce_rate_limits(RateLimits(post_channel_burst=3), clock=clock)
    emu.add_user("U1")
    emu.add_user("U2")

    assert [_post(client, "U1") for _ in range(3)] == [(200, None)] * 3
    dm = emu.dm_channel_for("U1")
    assert dm is not None
    assert _post(client, dm) == (429, "1")  # the user id and its DM are one channel
    assert _post(client, "U2") == (200, None)  # other channels are not held back
    clock.now += 0.5
    assert _post(client, "U1") == (429, "1")  # Retry-After is whole seconds, rounded up
    clock.now += 0.5
    assert _post(client, "U1") == (200, None)
    assert _post(client, "U1") == (429, "1")

    limited = [c for c in emu.calls("chat.postMessage") if c.http_status == 429]
    assert len(limited) == 3 and not any(c.injected for c in limited)
    assert limited[0].response == {"ok": False, "error": "ratelimited"}
    assert len(emu.messages(dm)) == 4  # a rejected call posts nothing


def test_the_workspace_caps_posts_across_channels(emu: SlackEmulator, client: WebClient) -> None:
    clock = _Seconds()
    limits = RateLimits(post_per_workspace_per_minute=120, post_workspace_burst=4)
    emu.enforce_rate_limits(limits, clock=clock)
    for i in range(8):
        emu.add_user(f"U{i}")

    assert [_post(client, f"U{i}")[0] for i in range(5)] == [200, 200, 200, 200, 429]
    clock.now += 0.5  # two a second
    assert [_post(client, f"U{i}")[0] for i in (4, 5)] == [200, 429]
    clock.now += 10  # refills up to the burst, no further
    assert [_post(client, f"U{i % 8}")[0] for i in range(5)] == [200, 200, 200, 200, 429]


def test_tier_methods_allow_their_calls_per_minute(emu: SlackEmulator, client: WebClient) -> None:
    clock = _Seconds()
    emu.enforce_rate_limits(clock=clock)  # conversations.open: Tier 3, 50 a minute; users.info: Tier 4, 100
    for i in range(60):
        emu.add_user(f"U{i:02d}")

    for i in range(50):
        client.conversations_open(users=f"U{i:02d}")
    with pytest.raises(SlackApiError) as opened:
        client.conversations_open(users="U50")
    for _ in range(100):
        client.users_info(user="U00")
    with pytest.raises(SlackApiError) as looked_up:
        client.users_info(user="U00")

    assert opened.value.response.status_code == 429
    assert opened.value.response.headers["Retry-After"] == "2"  # 60 s / 50 = 1.2 s, rounded up
    assert looked_up.value.response.headers["Retry-After"] == "1"
    assert _post(client, "U00") == (200, None)  # each method has its own allowance
    clock.now += 1.2
    assert client.conversations_open(users="U50")["ok"] is True


def test_an_injected_fault_comes_before_the_limits(emu: SlackEmulator, client: WebClient) -> None:
    emu.enforce_rate_limits(RateLimits(post_channel_burst=1), clock=_Seconds())
    emu.add_user("U1")
    emu.fail_next("chat.postMessage", status=500)

    assert _post(client, "U1")[0] == 500
    assert _post(client, "U1") == (200, None)  # the failed call used no allowance


def test_minimum_time_the_limits_allow() -> None:
    limits = RateLimits(post_per_workspace_per_minute=600, post_workspace_burst=20, post_channel_burst=3)

    assert limits.minimum_seconds({f"D{i}": 1 for i in range(2000)}) == pytest.approx(198.0)
    assert limits.minimum_seconds({"D1": 13}) == pytest.approx(10.0)  # one busy channel: 1 a second
    assert limits.minimum_seconds({}) == 0


# ---------------------------------------------------------------- signing helpers


def test_signature_verifies_with_the_sdk() -> None:
    body, content_type = slash_command_body("agenda add Roadmap", "U1")
    now = int(time.time())
    headers = sign(body, SECRET, now)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not SignatureVerifier("other").is_valid(body, str(now), headers["X-Slack-Signature"])
    assert content_type == "application/x-www-form-urlencoded"
    fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    assert (fields["command"], fields["text"], fields["user_id"], fields["team_id"]) == (
        "/1on1",
        "agenda add Roadmap",
        "U1",
        "T0001",
    )


def test_payload_builders_use_slack_shapes() -> None:
    actions_body, _ = block_actions_body(
        "U1", [{"action_id": "done", "value": "7"}], channel_id="D1", message={"ts": "1.000001", "text": "x"}
    )
    submit_body, _ = view_submission_body("U1", {"callback_id": "agenda"}, {"topic": {"text": "Roadmap"}})
    event, ctype = event_body(dm_message_event("U1", "hello", channel="D1"))

    action = json.loads(parse_qs(actions_body.decode())["payload"][0])
    submission = json.loads(parse_qs(submit_body.decode())["payload"][0])
    envelope = json.loads(event)
    assert action["type"] == "block_actions" and action["container"]["message_ts"] == "1.000001"
    assert action["actions"][0]["type"] == "button" and action["actions"][0]["action_ts"]
    assert submission["type"] == "view_submission" and submission["view"]["callback_id"] == "agenda"
    assert submission["view"]["state"]["values"] == {
        "topic": {"text": {"type": "plain_text_input", "value": "Roadmap"}}
    }
    assert ctype == "application/json" and envelope["type"] == "event_callback"
    assert envelope["event"]["channel_type"] == "im" and envelope["event_id"].startswith("Ev")


def test_sender_signs_with_its_clock_and_sets_retry_headers() -> None:
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    sender = SlackSender("http://app.test/", SECRET, clock=lambda: 1_700_000_000.5)
    sender.client = httpx.Client(transport=httpx.MockTransport(app))
    with sender:
        sender.command("agenda", "U1")
        sender.event(
            dm_message_event("U1", "hi"), timestamp=1_600_000_000, retry_num=1, retry_reason="http_timeout"
        )

    fresh, stale = seen
    assert str(fresh.url) == "http://app.test/slack/events"
    assert fresh.headers["X-Slack-Request-Timestamp"] == "1700000000"
    assert (
        fresh.headers["X-Slack-Signature"] == sign(fresh.content, SECRET, 1_700_000_000)["X-Slack-Signature"]
    )
    assert stale.headers["X-Slack-Request-Timestamp"] == "1600000000"
    assert (stale.headers["X-Slack-Retry-Num"], stale.headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )


# ---------------------------------------------------------------- python -m emulator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answering(client: WebClient, process: subprocess.Popen[str], timeout: float = 20.0) -> dict[str, Any]:
    """auth.test, once the emulator process is listening."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.auth_test().data  # type: ignore[return-value]
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # waiting for another process to listen, not for time to pass


def test_python_m_emulator_serves_a_few_people_until_ctrl_c() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", str(port), "--people", "3"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/"
        client = WebClient(token=BOT_TOKEN, base_url=url)
        assert _answering(client, process)["user_id"] == BOT_USER_ID
        alice = client.users_info(user="UALICE01")["user"]
        assert (alice["name"], alice["tz"]) == ("alice", "America/New_York")
        assert client.users_info(user="UCAROL03")["user"]["tz"] == "Asia/Tokyo"
        with pytest.raises(SlackApiError):
            client.users_info(user="UDAVE04")  # three people, no more
        socket_url = client.apps_connections_open(app_token=APP_TOKEN)["url"]
        assert socket_url.startswith("ws://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)

    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert url in out and BOT_TOKEN in out and APP_TOKEN in out
    assert f"SLACK_API_URL={url}" in out


def test_python_m_emulator_help_says_how_to_use_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    assert "--port" in result.stdout and "--people" in result.stdout and "SLACK_API_URL" in result.stdout


def test_an_ack_slack_would_refuse_fails_the_sender() -> None:
    """A command's reply or a submission's "update" travels in the HTTP answer, not through the Web API:
    the sender checks it as Slack would, instead of letting a reply no person would see pass."""
    too_long = {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]}
    with pytest.raises(SlackWouldRefuse, match=r"must be less than 3001 characters"):
        SlackRequests._check_ack(httpx.Response(200, json=too_long))
    bad_view = {
        "response_action": "update",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": "t" * 25},
            "blocks": [{"type": "divider"}],
        },
    }
    with pytest.raises(SlackWouldRefuse, match=r"title"):
        SlackRequests._check_ack(httpx.Response(200, json=bad_view))
    fine = {
        "response_type": "ephemeral",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}],
    }
    SlackRequests._check_ack(httpx.Response(200, json=fine))
    SlackRequests._check_ack(httpx.Response(200, content=b""))


def as_sent(stored: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`stored` blocks without the block ids Slack generated for the `sent` blocks that had none
    (emulator/methods/views.py), to compare with what the app sent."""
    return [
        {k: v for k, v in block.items() if k != "block_id" or "block_id" in original}
        for block, original in zip(stored, sent, strict=True)
    ]
