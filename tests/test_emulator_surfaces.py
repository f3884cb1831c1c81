"""The emulator's App Home, modals and shortcuts, as rude as Slack's references say (issue 12, part 6).

Tests of the stand-in, through the real slack_sdk and the request senders: views.publish (a viable user, a
home view, the hash, the Home tab switched off, Tier 4), views.update (one id, the hash, a closed modal),
views.push (a stack of three), what a submission's ack does to the modal, and the payloads Slack sends
for a click in the Home tab or a modal, for app_home_opened and for both kinds of shortcut. Sources are
cited in emulator/methods/views.py and emulator/payloads.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack import ids
from emulator.payloads import app_home_opened_event, event_body
from emulator.requests import SlackSender
from emulator.socket_mode_app import envelope_of
from emulator.web_api import BOT_TOKEN, BOT_USER_ID, RateLimits, SlackEmulator
from tests.slack.people import ALICE, BOB, add_people

SECRET = "signing-secret"
CHANNEL = "CPLANNING1"


@pytest.fixture(scope="module")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator) -> SlackEmulator:
    _emulator.reset()
    add_people(_emulator)
    return _emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emu.url)


class RecordingApp:
    """The app's end, in the test: records what Slack sent and acks with `ack` (None: an empty 200)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.ack: dict[str, Any] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers["Content-Type"] == "application/json":
            self.sent.append(json.loads(request.content))
        else:
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.sent.append(json.loads(form["payload"]) if "payload" in form else form)
        return httpx.Response(200) if self.ack is None else httpx.Response(200, json=self.ack)

    @property
    def last(self) -> dict[str, Any]:
        return self.sent[-1]


@pytest.fixture
def app() -> RecordingApp:
    return RecordingApp()


@pytest.fixture
def slack(emu: SlackEmulator, app: RecordingApp) -> Iterator[SlackSender]:
    sender = SlackSender("http://app.test/", SECRET, responses=emu)
    sender.client = httpx.Client(transport=httpx.MockTransport(app))
    with sender:
        yield sender


@pytest.fixture
def pushing(emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """views.push answered by its own handler. emulator/web_api.py maps it to views.open's until the line
    `"views.push": self._views_push` is there; then this changes nothing."""
    if emu._handlers["views.push"] != emu._views_push:
        monkeypatch.setitem(emu._handlers, "views.push", emu._views_push)


def error(call: Any) -> tuple[str, list[str]]:
    """(error code, response_metadata.messages) of a call Slack refuses."""
    with pytest.raises(SlackApiError) as excinfo:
        call()
    answer = excinfo.value.response
    return str(answer["error"]), list(answer.get("response_metadata", {}).get("messages", []))


def home(*texts: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in texts],
    }


def modal(text: str = "Agenda", **extra: Any) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {"type": "modal", "title": {"type": "plain_text", "text": "1:1"}, "blocks": [section], **extra}


def opened(emu: SlackEmulator, client: WebClient, view: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(client.views_open(trigger_id=emu.new_trigger_id(ALICE), view=view or modal())["view"])


class Seconds:
    """A monotonic clock the test moves by hand (the rate limits')."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- views.publish


def test_publish_needs_a_member_who_can_have_a_home_tab(emu: SlackEmulator, client: WebClient) -> None:
    emu.add_user("UGONE001", deleted=True)
    emu.add_user("UOTHERBOT", is_bot=True)

    answers = {
        who: error(
            lambda who=who: client.api_call("views.publish", json={"user_id": who, "view": home("Hi")})
        )
        for who in ("", "UNOBODY1", "UGONE001", "UOTHERBOT", BOT_USER_ID)
    }

    assert answers == {who: ("invalid_arguments", ["invalid `user_id`"]) for who in answers}
    assert all(emu.home_view(who) is None for who in answers)


def test_publish_refuses_what_is_not_a_home_view(emu: SlackEmulator, client: WebClient) -> None:
    divider = {"type": "divider"}
    cases = {
        "a modal": modal(),
        "clear_on_close": {**home("Hi"), "clear_on_close": False},
        "notify_on_close": {**home("Hi"), "notify_on_close": True},
        "101 blocks": {"type": "home", "blocks": [divider] * 101},
        "no blocks": {"type": "home", "blocks": []},
        "over 250 KB": {**home("Hi"), "private_metadata": "x" * 260_000},
    }

    answers = {
        name: error(lambda v=view: client.views_publish(user_id=ALICE, view=v))
        for name, view in cases.items()
    }
    at_the_limit = client.views_publish(user_id=BOB, view={"type": "home", "blocks": [divider] * 100})

    blocks = (
        "invalid_arguments",
        ["[ERROR] views must contain between 1 and 100 blocks [json-pointer:/view]"],
    )
    assert answers == {
        "a modal": ("invalid_arguments", ["[ERROR] must be a valid enum value [json-pointer:/view/type]"]),
        "clear_on_close": (
            "invalid_arguments",
            ["[ERROR] unsupported field: clear_on_close [json-pointer:/view]"],
        ),
        "notify_on_close": (
            "invalid_arguments",
            ["[ERROR] unsupported field: notify_on_close [json-pointer:/view]"],
        ),
        "101 blocks": blocks,
        "no blocks": blocks,
        "over 250 KB": ("view_too_large", []),
    }
    assert emu.home_view(ALICE) is None
    assert len(at_the_limit["view"]["blocks"]) == 100


def test_publish_answers_the_view_as_the_reference_shows_it(emu: SlackEmulator, client: WebClient) -> None:
    view = {**home("Your 1:1s"), "callback_id": "home", "private_metadata": "v1"}

    published = client.views_publish(user_id=ALICE, view=view)["view"]

    documented = {
        "id",
        "team_id",
        "type",
        "close",
        "submit",
        "blocks",
        "private_metadata",
        "callback_id",
        "state",
        "hash",
        "clear_on_close",
        "notify_on_close",
        "root_view_id",
        "previous_view_id",
        "app_id",
        "external_id",
        "bot_id",
    }
    assert documented <= set(published)
    assert published["type"] == "home" and published["id"].startswith("V")
    assert (published["close"], published["submit"], published["previous_view_id"]) == (None, None, None)
    assert published["root_view_id"] == published["id"]
    assert (published["callback_id"], published["private_metadata"]) == ("home", "v1")
    assert published["state"] == {"values": {}}
    # Stored as sent, each block given a block_id when it had none (Slack generates one).
    assert [{k: v for k, v in b.items() if k != "block_id"} for b in published["blocks"]] == view["blocks"]
    assert all(b["block_id"] for b in published["blocks"])
    assert emu.home_view(ALICE) == published


def test_publishing_again_replaces_the_tab_and_its_hash_guards_a_race(
    emu: SlackEmulator, client: WebClient
) -> None:
    first = client.views_publish(user_id=ALICE, view=home("Monday"))["view"]
    second = client.views_publish(user_id=ALICE, view=home("Tuesday"), hash=first["hash"])["view"]
    stale = error(lambda: client.views_publish(user_id=ALICE, view=home("Stale"), hash=first["hash"]))
    shown_after_the_race = emu.home_view(ALICE)
    unguarded = client.views_publish(user_id=ALICE, view=home("Wednesday"))["view"]
    bobs = client.views_publish(user_id=BOB, view=home("Bob's"))["view"]

    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    assert stale == ("hash_conflict", [])
    assert shown_after_the_race == second  # the refused view changed nothing
    assert unguarded["id"] == first["id"] and unguarded["hash"] not in (first["hash"], second["hash"])
    assert bobs["id"] != first["id"]
    wednesday = home("Wednesday")["blocks"]
    assert as_sent(emu.home_view(ALICE)["blocks"], wednesday) == wednesday  # type: ignore[index]


def test_with_the_home_tab_switched_off_publish_is_not_enabled(emu: SlackEmulator, client: WebClient) -> None:
    emu.home_tab_enabled = False

    assert error(lambda: client.views_publish(user_id=ALICE, view=home("Hi"))) == ("not_enabled", [])
    assert emu.home_view(ALICE) is None


def test_views_methods_are_held_to_tier_4(emu: SlackEmulator, client: WebClient) -> None:
    emu.enforce_rate_limits(clock=Seconds())
    view = opened(emu, client)

    for _ in range(100):
        client.views_publish(user_id=ALICE, view=home("Hi"))
    with pytest.raises(SlackApiError) as publish_limited:
        client.views_publish(user_id=ALICE, view=home("Hi"))
    for _ in range(100):
        client.views_update(view_id=view["id"], view=modal())
    with pytest.raises(SlackApiError) as update_limited:
        client.views_update(view_id=view["id"], view=modal())

    for limited in (publish_limited, update_limited):
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "1"  # 60 s / 100 = 0.6 s, rounded up
    assert RateLimits().per_minute["views.publish"] == RateLimits().per_minute["views.open"] == 100


# ---------------------------------------------------------------- views.update


def test_update_names_its_view_by_exactly_one_id(emu: SlackEmulator, client: WebClient) -> None:
    view = opened(emu, client, modal(external_id="summary-7"))

    answers = [
        error(lambda: client.api_call("views.update", json={"view": modal()})),
        error(  # slack_sdk's views_update sends only one of them; a hand-made call can send both
            lambda: client.api_call(
                "views.update", json={"view_id": view["id"], "external_id": "summary-7", "view": modal()}
            )
        ),
        error(lambda: client.views_update(view_id="V99999999", view=modal())),
        error(lambda: client.views_update(external_id="summary-8", view=modal())),
    ]
    by_external_id = client.views_update(
        external_id="summary-7", view=modal("Grown", external_id="summary-7")
    )

    one_id = ("invalid_arguments", ["[ERROR] exactly one of `view_id` or `external_id` is required"])
    assert answers == [one_id, one_id, ("not_found", []), ("not_found", [])]
    assert by_external_id["view"]["id"] == view["id"]


def test_each_update_gives_a_new_hash_and_a_stale_one_changes_nothing(
    emu: SlackEmulator, client: WebClient
) -> None:
    view = opened(emu, client)

    grown = client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Two rows"))["view"]
    stale = error(lambda: client.views_update(view_id=view["id"], hash=view["hash"], view=modal("Stale")))

    assert grown["id"] == view["id"] and grown["hash"] != view["hash"]
    assert stale == ("hash_conflict", [])
    assert emu.view(view["id"]) == grown


# ---------------------------------------------------------------- a submission's ack, and closing


def test_a_submitted_modal_lives_on_only_if_the_ack_keeps_it(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    view = opened(emu, client)

    app.ack = {"response_action": "errors", "errors": {"topic": "Too long"}}
    slack.submit(ALICE, view, {})
    kept = emu.is_open(view["id"])
    app.ack = {"response_action": "update", "view": modal("Saved")}
    slack.submit(ALICE, view, {})
    updated = emu.view(view["id"])
    app.ack = None  # a plain ack: "the current view will be closed"
    slack.submit(ALICE, updated or {}, {})

    assert kept
    assert updated is not None and updated["hash"] != view["hash"]
    saved = modal("Saved")["blocks"]
    assert as_sent(updated["blocks"], saved) == saved
    assert not emu.is_open(view["id"])
    assert error(lambda: client.views_update(view_id=view["id"], view=modal())) == ("not_found", [])
    assert emu.view(view["id"]) == updated  # what the person last saw is still on record


def test_a_pushed_ack_stacks_a_view_and_clear_closes_the_stack(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    root = opened(emu, client)

    app.ack = {"response_action": "push", "view": modal("Are you sure?")}
    slack.submit(ALICE, root, {})
    stack = emu.modal_stack(root["id"])
    app.ack = {"response_action": "clear"}
    slack.submit(ALICE, stack[-1], {})

    pushed = modal("Are you sure?")["blocks"]
    assert [v["blocks"] for v in stack[:1]] == [root["blocks"]] and as_sent(
        stack[1]["blocks"], pushed
    ) == pushed
    assert stack[-1]["root_view_id"] == stack[-1]["previous_view_id"] == root["id"]
    assert emu.modal_stack(root["id"]) == []
    assert not emu.is_open(root["id"]) and not emu.is_open(stack[-1]["id"])


def test_a_modal_the_person_closed_cannot_be_updated(emu: SlackEmulator, client: WebClient) -> None:
    view = opened(emu, client)

    emu.close_view(view["id"])

    assert error(lambda: client.views_update(view_id=view["id"], view=modal())) == ("not_found", [])


def test_an_ack_view_slack_would_refuse_is_not_stored(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    view = opened(emu, client)
    app.ack = {
        "response_action": "update",
        "view": {**modal(), "title": {"type": "plain_text", "text": "x" * 25}},
    }

    with pytest.raises(AssertionError, match="Slack would refuse this ack"):
        slack.submit(ALICE, view, {})

    assert emu.view(view["id"]) == view and emu.is_open(view["id"])


# ---------------------------------------------------------------- views.push


@pytest.mark.usefixtures("pushing")
def test_push_stacks_onto_the_modal_clicked_in_up_to_three_views(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    def click_in(view: dict[str, Any]) -> str:
        slack.action(ALICE, [{"action_id": "more"}], view=view)
        return str(app.last["trigger_id"])

    root = opened(emu, client)
    second = client.views_push(trigger_id=click_in(root), view=modal("Second"))["view"]
    third = client.views_push(trigger_id=click_in(second), view=modal("Third"))["view"]
    fourth_trigger = click_in(third)
    too_many = error(lambda: client.views_push(trigger_id=fourth_trigger, view=modal("Fourth")))

    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    assert (third["root_view_id"], third["previous_view_id"]) == (root["id"], second["id"])
    assert too_many == ("push_limit_reached", [])
    assert emu.trigger(fourth_trigger).exchanged is False  # type: ignore[union-attr]


@pytest.mark.usefixtures("pushing")
def test_push_with_a_trigger_from_outside_a_modal_opens_one_of_its_own(
    emu: SlackEmulator, client: WebClient
) -> None:
    pushed = client.views_push(trigger_id=emu.new_trigger_id(ALICE), view=modal())["view"]  # GUESS

    assert (pushed["root_view_id"], pushed["previous_view_id"]) == (pushed["id"], None)


# ---------------------------------------------------------------- block_actions from a view


def test_a_click_in_the_home_tab_is_sent_as_slack_sends_it(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    tab = client.views_publish(user_id=ALICE, view=home("Your 1:1s"))["view"]

    slack.home_action(ALICE, [{"action_id": ids.HOME_ADD_TOPIC.action_id, "value": "7"}])
    sent = app.last

    assert sent["type"] == "block_actions"
    assert sent["container"] == {"type": "view", "view_id": tab["id"]}
    assert sent["view"] == tab  # the view as Slack stores it: its type, hash and state, no title
    assert sent["view"]["title"] is None
    assert not {"response_url", "channel", "message", "state"} & set(sent)
    assert sent["actions"][0]["action_id"] == ids.HOME_ADD_TOPIC.action_id
    assert emu.trigger(sent["trigger_id"]).view_id == tab["id"]  # type: ignore[union-attr]


def test_a_click_in_a_modal_carries_the_hash_views_update_needs(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    view = opened(emu, client)

    slack.action(ALICE, [{"action_id": ids.SUMMARY_ADD_ACTION.action_id, "value": "3"}], view=view)
    sent = app.last
    grown = client.views_update(view_id=sent["view"]["id"], hash=sent["view"]["hash"], view=modal("Grown"))

    assert sent["container"] == {"type": "view", "view_id": view["id"]}
    assert sent["view"]["hash"] == view["hash"]
    assert "response_url" not in sent
    assert grown["ok"] is True


def test_a_click_in_a_message_still_comes_with_a_response_url_and_state(
    slack: SlackSender, app: RecordingApp
) -> None:
    slack.action(ALICE, [{"action_id": "done", "value": "7"}], channel_id="D1", message={"ts": "1.000001"})
    sent = app.last

    assert sent["container"] == {
        "type": "message",
        "message_ts": "1.000001",
        "channel_id": "D1",
        "is_ephemeral": False,
    }
    assert sent["response_url"].startswith("http://127.0.0.1")  # the emulator's, which records posts
    assert sent["state"] == {"values": {}} and sent["channel"]["id"] == "D1"


def test_a_click_in_a_home_tab_never_published_fails_the_test(slack: SlackSender) -> None:
    with pytest.raises(AssertionError, match="nothing was published"):
        slack.home_action(ALICE, [{"action_id": "anything"}])


# ---------------------------------------------------------------- app_home_opened


def test_home_opened_is_sent_with_the_tab_slack_shows(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    slack.home_opened(ALICE)
    before = app.last
    tab = client.views_publish(user_id=ALICE, view=home("Your 1:1s"))["view"]
    slack.home_opened(ALICE)
    after = app.last
    slack.home_opened(ALICE, tab="messages")
    messages_tab = app.last

    assert before["type"] == "event_callback"
    assert before["event"]["type"] == "app_home_opened" and before["event"]["tab"] == "home"
    assert before["event"]["channel"] == emu.dm_channel_for(ALICE)  # the App Home's DM
    assert "view" not in before["event"]  # nothing published yet
    assert after["event"]["view"] == tab == emu.home_view(ALICE)
    assert messages_tab["event"]["tab"] == "messages" and "view" not in messages_tab["event"]
    assert before["event_id"] != after["event_id"]  # "sent each time a user enters"


def test_app_home_opened_goes_over_socket_mode_as_an_events_api_envelope() -> None:
    kind, payload = envelope_of(*event_body(app_home_opened_event(ALICE, "D0001", None)))

    assert kind == "events_api"
    assert payload["event"]["type"] == "app_home_opened" and payload["event"]["user"] == ALICE
    with pytest.raises(ValueError, match="'home' or 'messages'"):
        app_home_opened_event(ALICE, "D0001", tab="about")


# ---------------------------------------------------------------- shortcuts


def test_a_global_shortcut_is_sent_as_the_reference_shows_it(
    emu: SlackEmulator, client: WebClient, slack: SlackSender, app: RecordingApp
) -> None:
    slack.shortcut(ALICE, ids.SCHEDULE_SHORTCUT)
    sent = app.last

    documented = {"type", "token", "action_ts", "team", "user", "callback_id", "trigger_id"}
    assert documented <= set(sent)
    assert (sent["type"], sent["callback_id"]) == ("shortcut", ids.SCHEDULE_SHORTCUT)
    assert set(sent["user"]) == {"id", "username", "team_id"} and sent["user"]["id"] == ALICE
    assert set(sent["team"]) == {"id", "domain"}
    assert not {"response_url", "channel", "message"} & set(sent)  # "only included for message shortcuts"
    assert client.views_open(trigger_id=sent["trigger_id"], view=modal())["ok"] is True


def test_a_message_shortcut_carries_the_message_its_channel_and_a_response_url(
    emu: SlackEmulator, slack: SlackSender, app: RecordingApp
) -> None:
    emu.add_channel(CHANNEL, members=[ALICE, BOB], name="planning")  # the bot is not in it
    message = emu.add_message(CHANNEL, BOB, "R&amp;D budget &lt;frozen&gt;")

    slack.message_shortcut(ALICE, ids.ADD_TO_AGENDA_SHORTCUT, message, CHANNEL)
    sent = app.last
    posted = WebhookClient(sent["response_url"]).send(text="Added")

    assert (sent["type"], sent["callback_id"]) == ("message_action", ids.ADD_TO_AGENDA_SHORTCUT)
    assert sent["message"] == message and sent["message_ts"] == message["ts"]
    assert sent["channel"]["id"] == CHANNEL
    assert sent["user"]["id"] == ALICE and sent["user"]["name"]
    assert emu.trigger(sent["trigger_id"]).user_id == ALICE  # type: ignore[union-attr]
    assert (
        posted.status_code == 200 and emu.response_posts(sent["response_url"])[0].payload["text"] == "Added"
    )


def as_sent(stored: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`stored` blocks without the block ids Slack generated for the `sent` blocks that had none
    (emulator/methods/views.py), to compare with what the app sent."""
    return [
        {k: v for k, v in block.items() if k != "block_id" or "block_id" in original}
        for block, original in zip(stored, sent, strict=True)
    ]
