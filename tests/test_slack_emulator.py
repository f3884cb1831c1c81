"""The Slack Web API emulator, the request builders and `python -m emulator`, through the real slack_sdk."""

from __future__ import annotations

import json
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
    SlackSender,
    block_actions_body,
    dm_message_event,
    event_body,
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

    opened = client.views_open(trigger_id=TRIGGER, view=_modal(callback_id="agenda", private_metadata="m1"))[
        "view"
    ]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=TRIGGER, view=_modal())
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash="0.stale", view=_modal())
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=_modal(callback_id="v2"))[
        "view"
    ]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]

    assert opened["id"].startswith("V") and (opened["callback_id"], opened["private_metadata"]) == (
        "agenda",
        "m1",
    )
    assert _error(reused) == "exchanged_trigger_id"
    assert _error(stale) == "hash_conflict"
    assert updated["id"] == opened["id"] and updated["callback_id"] == "v2"
    assert emu.home_view("U1") == home and home["type"] == "home"


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
