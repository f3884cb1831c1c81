"""The emulator hosts several workspaces: a call is answered as the workspace its token belongs to, and an id
of another workspace is one it cannot see (users.info ``user_not_found``, chat.postMessage
``channel_not_found``, conversations.open ``user_not_found``, views.publish ``invalid_arguments``). Requests
Slack sends the app carry the workspace they come from, its organization and install.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from emulator.ids import APP_TOKEN, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from emulator.requests import SendOptions, SlackRequests
from emulator.web_api import SlackEmulator

T2, T3, T4, ORG = "T0000002", "T0000003", "T0000004", "E0000001"
ALICE, ERIN, FRANK, GRACE = "UALICE01", "UERIN002", "WFRANK03", "WGRACE04"
GENERAL2 = "C0GENERAL2"  # a channel of T2
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}


@pytest.fixture(scope="module")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator) -> SlackEmulator:
    _emulator.reset()
    _emulator.add_user(ALICE)
    _emulator.add_workspace(T2, "Second Team", domain="second")
    _emulator.add_user(ERIN, team_id=T2)
    _emulator.add_channel(GENERAL2, members=None, team_id=T2)
    _emulator.add_workspace(T3, "Starship Ops", enterprise_id=ORG, enterprise_name="Starship")
    _emulator.add_workspace(T4, "Starship Labs", enterprise_id=ORG, enterprise_name="Starship")
    _emulator.add_user(FRANK, team_id=T3)
    _emulator.add_user(GRACE, team_id=T4)
    return _emulator


def web(emu: SlackEmulator, token: str) -> WebClient:
    return WebClient(token=token, base_url=emu.url)


def refused(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


# ------------------------------------------------------------------------------------- members and tokens


def test_members_belong_to_their_workspace(emu: SlackEmulator) -> None:
    token = emu.add_bot_token(T2)

    erin = web(emu, token).users_info(user=ERIN)["user"]

    assert (erin["team_id"], erin["profile"]["team"]) == (T2, T2)
    assert "enterprise_user" not in erin
    frank = web(emu, emu.add_bot_token(T3)).users_info(user=FRANK)["user"]
    assert frank["enterprise_user"]["enterprise_id"] == ORG and frank["enterprise_user"]["teams"] == [T3]
    assert web(emu, BOT_TOKEN).users_info(user=ALICE)["user"]["team_id"] == TEAM_ID
    with pytest.raises(KeyError, match="add_workspace"):
        emu.add_user("UNOBODY1", team_id="T9999999")


def test_a_fresh_token_looks_like_slacks(emu: SlackEmulator) -> None:
    token = emu.add_bot_token(T2)

    assert token.startswith("xoxb-") and token.count("-") == 3
    assert emu.add_bot_token(T2, "xoxb-chosen-token") == "xoxb-chosen-token"
    assert web(emu, "xoxb-chosen-token").auth_test()["team_id"] == T2


def test_auth_test_answers_the_tokens_workspace_and_its_bot(emu: SlackEmulator) -> None:
    team = emu.workspace(T2)

    answer = web(emu, emu.add_bot_token(T2)).auth_test().data

    assert answer == {
        "ok": True,
        "url": "https://second.slack.com/",
        "team": "Second Team",
        "user": "oneonone",
        "team_id": T2,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "is_enterprise_install": False,
    }
    assert (team.bot_user_id, team.bot_id) != (BOT_USER_ID, BOT_ID)
    assert web(emu, BOT_TOKEN).auth_test().data == {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Test Team",
        "user": "oneonone",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def test_a_token_of_one_workspace_cannot_see_the_ids_of_another(emu: SlackEmulator) -> None:
    other = web(emu, BOT_TOKEN)  # the default workspace's
    erins_dm = emu.open_dm(ERIN)

    assert refused(lambda: other.users_info(user=ERIN)) == "user_not_found"
    assert refused(lambda: other.chat_postMessage(channel=ERIN, text="hi")) == "channel_not_found"
    assert refused(lambda: other.chat_postMessage(channel=erins_dm, text="hi")) == "channel_not_found"
    assert refused(lambda: other.chat_postMessage(channel=GENERAL2, text="hi")) == "channel_not_found"
    assert refused(lambda: other.conversations_open(users=ERIN)) == "user_not_found"
    assert refused(lambda: other.conversations_open(channel=erins_dm)) == "channel_not_found"
    assert refused(lambda: other.views_publish(user_id=ERIN, view=HOME)) == "invalid_arguments"
    assert emu.messages(erins_dm) == [] and emu.home_view(ERIN) is None
    own = web(emu, emu.add_bot_token(T2))
    assert own.chat_postMessage(channel=ERIN, text="hi")["channel"] == erins_dm
    assert own.views_publish(user_id=ERIN, view=HOME)["view"]["team_id"] == T2
    assert refused(lambda: own.users_info(user=ALICE)) == "user_not_found"


def test_the_bot_of_each_workspace_posts_there(emu: SlackEmulator) -> None:
    team = emu.workspace(T2)
    client = web(emu, emu.add_bot_token(T2))

    posted = client.chat_postMessage(channel=ERIN, text="hello")["message"]
    opened = client.conversations_open(users=ERIN, return_im=True)["channel"]
    updated = client.chat_update(channel=opened["id"], ts=posted["ts"], text="hello again")

    assert (posted["user"], posted["bot_id"], posted["team"]) == (team.bot_user_id, team.bot_id, T2)
    assert opened["user"] == ERIN
    assert updated["message"]["edited"]["user"] == team.bot_user_id
    assert emu.members(opened["id"]) == [ERIN, team.bot_user_id]
    link = client.chat_getPermalink(channel=opened["id"], message_ts=posted["ts"])["permalink"]
    assert link.startswith("https://second.slack.com/archives/")


def test_calls_are_recorded_with_the_workspace_they_were_answered_as(emu: SlackEmulator) -> None:
    web(emu, emu.add_bot_token(T2)).chat_postMessage(channel=ERIN, text="one")
    web(emu, BOT_TOKEN).chat_postMessage(channel=ALICE, text="two")
    refused(lambda: web(emu, BOT_TOKEN).users_info(user=ERIN))

    assert [c.args["text"] for c in emu.calls("chat.postMessage", team_id=T2)] == ["one"]
    assert [c.args["text"] for c in emu.calls("chat.postMessage", team_id=TEAM_ID)] == ["two"]
    assert [(c.method, c.ok) for c in emu.calls(team_id=TEAM_ID)] == [
        ("chat.postMessage", True),
        ("users.info", False),
    ]


def test_an_org_wide_token_reaches_every_workspace_of_its_organization(emu: SlackEmulator) -> None:
    client = web(emu, emu.add_bot_token(T3, org_wide=True))

    assert client.users_info(user=GRACE)["user"]["team_id"] == T4
    assert client.chat_postMessage(channel=FRANK, text="hi")["ok"]
    assert refused(lambda: client.users_info(user=ERIN)) == "user_not_found"
    assert [c.team_id for c in emu.calls()] == [T4, T3, ORG]  # the last one named no user of the org
    assert refused(lambda: web(emu, emu.add_bot_token(T3)).users_info(user=GRACE)) == "user_not_found"


# --------------------------------------------------------------------------------- revoked and expired


def test_a_workspace_that_uninstalls_has_its_tokens_revoked_and_no_other(emu: SlackEmulator) -> None:
    token = emu.add_bot_token(T2)
    emu.revoke_bot_token(T2)

    assert refused(lambda: web(emu, token).auth_test()) == "token_revoked"
    assert web(emu, BOT_TOKEN).auth_test()["ok"]
    emu.revoke_bot_token()  # the default workspace, as before workspaces existed
    assert refused(lambda: web(emu, BOT_TOKEN).chat_postMessage(channel=ALICE, text="hi")) == "token_revoked"
    assert [c.team_id for c in emu.calls()] == [None, TEAM_ID, None]  # refused: answered as nobody


def test_an_org_wide_install_is_revoked_by_its_organization(emu: SlackEmulator) -> None:
    org_token, t3_token = emu.add_bot_token(T3, org_wide=True), emu.add_bot_token(T3)

    emu.revoke_bot_token(ORG)

    assert refused(lambda: web(emu, org_token).auth_test()) == "token_revoked"
    assert web(emu, t3_token).auth_test()["ok"]


def test_an_expiring_token_expires_by_the_emulators_clock() -> None:
    now = [1_796_115_600.0]
    with SlackEmulator(clock=lambda: now[0]) as emu:
        emu.add_workspace(T2, "Second Team")
        token = emu.add_bot_token(T2, expires_in=60)
        assert token.startswith("xoxe.xoxb-1-")
        assert web(emu, token).auth_test()["expires_in"] == 60
        now[0] += 60
        assert refused(lambda: web(emu, token).auth_test()) == "token_expired"
        assert token not in emu.valid_tokens and BOT_TOKEN in emu.valid_tokens


def test_the_app_level_token_is_still_not_a_bot_token(emu: SlackEmulator) -> None:
    token = emu.add_bot_token(T2)

    assert refused(lambda: web(emu, APP_TOKEN).auth_test()) == "not_allowed_token_type"
    assert refused(lambda: web(emu, token).apps_connections_open(app_token=token)) == "not_allowed_token_type"


# ------------------------------------------------------------------------------------- requests to the app


class Captured(SlackRequests):
    """Slack's requests, kept instead of sent."""

    def __init__(self, emu: SlackEmulator) -> None:
        super().__init__(responses=emu)
        self.sent: list[dict[str, Any]] = []

    def send(self, body: bytes, content_type: str, options: SendOptions) -> httpx.Response:
        if content_type == "application/json":
            self.sent.append(json.loads(body))
        else:
            form = dict(parse_qsl(body.decode()))
            self.sent.append(json.loads(form["payload"]) if set(form) == {"payload"} else form)
        return httpx.Response(200)


def test_requests_from_the_default_workspace_are_as_before(emu: SlackEmulator) -> None:
    slack = Captured(emu)

    slack.command("help", ALICE)
    slack.dm(ALICE, "hello")

    command, event = slack.sent
    assert (command["team_id"], command["team_domain"], command["is_enterprise_install"]) == (
        TEAM_ID,
        TEAM_DOMAIN,
        "false",
    )
    assert "enterprise_id" not in command and "enterprise_id" not in event
    assert event["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]


def test_a_command_sent_with_a_team_id_comes_from_that_workspace(emu: SlackEmulator) -> None:
    slack = Captured(emu)

    slack.command("help", ERIN, team_id=T2)
    slack.dm(ERIN, "hello", team_id=T2)

    command, event = slack.sent
    assert (command["team_id"], command["team_domain"]) == (T2, "second")
    assert (event["team_id"], event["event"]["team"]) == (T2, T2)
    assert event["authorizations"][0]["user_id"] == emu.workspace(T2).bot_user_id


def test_requests_from_a_grid_workspace_name_its_organization(emu: SlackEmulator) -> None:
    emu.add_bot_token(T4, org_wide=True)
    slack = Captured(emu).as_workspace(T4)

    slack.command("help", GRACE)
    slack.action(GRACE, [{"action_id": "a", "value": "v"}], message={"ts": "1.000001", "text": "x"})
    slack.submit(GRACE, {"id": "V1", "callback_id": "cb"}, {})
    slack.home_opened(GRACE)

    command, click, submission, event = slack.sent
    assert (command["team_id"], command["enterprise_id"], command["enterprise_name"]) == (T4, ORG, "Starship")
    assert command["is_enterprise_install"] == "true"
    for interaction in (click, submission):
        assert interaction["team"] == {
            "id": T4,
            "domain": "starshiplabs",
            "enterprise_id": ORG,
            "enterprise_name": "Starship",
        }
        assert interaction["enterprise"] == {"id": ORG, "name": "Starship"}
        assert interaction["is_enterprise_install"] is True
        assert interaction["user"]["team_id"] == T4
    assert submission["view"]["app_installed_team_id"] == T4
    assert (event["team_id"], event["enterprise_id"], event["context_enterprise_id"]) == (T4, ORG, ORG)
    assert event["authorizations"] == [
        {
            "enterprise_id": ORG,
            "team_id": T4,
            "user_id": emu.workspace(T4).bot_user_id,
            "is_bot": True,
            "is_enterprise_install": True,
        }
    ]
