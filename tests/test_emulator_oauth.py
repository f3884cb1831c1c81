"""The emulator's OAuth v2 install, through the real clients: the consent page (httpx), oauth.v2.access
(slack_sdk's WebClient, Bolt's OAuthFlow, slack_sdk's TokenRotator) and the tokens it issues.

What Slack documents (see emulator/methods/oauth.py): the authorize page redirects to the app with a code and
its state (or ``error=access_denied``); oauth.v2.access takes the app's credentials (HTTP Basic or form
fields), refuses a bad client id or secret, code, redirect_uri or grant type; answers the bot token, its
workspace (``team: null`` and the organization for an org-wide install); with token rotation an expiring
``xoxe.xoxb-1-`` token and a one-time ``xoxe-1-`` refresh token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_bolt.oauth.oauth_flow import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import Bot, FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from emulator.ids import APP_ID, CLIENT_ID, CLIENT_SECRET, TEAM_ID
from emulator.web_api import SlackEmulator

T2, T3, T4, ORG = "T0000002", "T0000003", "T0000004", "E0000001"
ALICE, ERIN, FRANK = "UALICE01", "UERIN002", "WFRANK03"  # Alice: default workspace; Erin: T2; Frank: T3
GRACE = "WGRACE04"  # T4, in the same organization as T3
REDIRECT = "https://app.example.com/slack/oauth_redirect"
START = 1_796_115_600.0  # 2026-12-01 09:00 UTC


class Now:
    """The emulator's clock, moved by the test."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> float:
        return self.at


@pytest.fixture(scope="module")
def now() -> Now:
    return Now()


@pytest.fixture(scope="module")
def _emulator(now: Now) -> Iterator[SlackEmulator]:
    with SlackEmulator(clock=now) as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator, now: Now) -> SlackEmulator:
    now.at = START
    _emulator.reset()
    _emulator.add_user(ALICE)
    _emulator.add_workspace(T2, "Second Team")
    _emulator.add_user(ERIN, team_id=T2)
    _emulator.add_workspace(T3, "Starship Ops", enterprise_id=ORG, enterprise_name="Starship")
    _emulator.add_workspace(T4, "Starship Labs", enterprise_id=ORG, enterprise_name="Starship")
    _emulator.add_user(FRANK, team_id=T3)
    _emulator.add_user(GRACE, team_id=T4)
    return _emulator


@pytest.fixture
def browser() -> Iterator[httpx.Client]:
    with httpx.Client(follow_redirects=False) as client:
        yield client


def slack(emu: SlackEmulator, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=emu.url)


def authorize(browser: httpx.Client, emu: SlackEmulator, **query: str) -> httpx.Response:
    params = {
        "client_id": CLIENT_ID,
        "scope": "commands,chat:write",
        "state": "s-1",
        "redirect_uri": REDIRECT,
    }
    return browser.get(f"{emu.base}/oauth/v2/authorize", params={**params, **query})


def code_from(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def install(browser: httpx.Client, emu: SlackEmulator, user: str, team: str, **kw: bool) -> dict:
    emu.sign_in(user, team, **kw)
    code = code_from(authorize(browser, emu))
    return (
        slack(emu)
        .oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, redirect_uri=REDIRECT)
        .data
    )


def refused(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


# ------------------------------------------------------------------------------------------- the round trip


def test_an_install_answers_a_bot_token_of_that_workspace_and_the_token_works_there_only(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    answer = install(browser, emu, ERIN, T2)

    token = answer["access_token"]
    assert token.startswith("xoxb-")
    assert answer == {
        "ok": True,
        "access_token": token,
        "token_type": "bot",
        "scope": "commands,chat:write",
        "bot_user_id": emu.workspace(T2).bot_user_id,
        "app_id": APP_ID,
        "team": {"id": T2, "name": "Second Team"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": ERIN},
    }
    assert answer["bot_user_id"] != emu.workspace(TEAM_ID).bot_user_id  # a bot user of its own there
    web = slack(emu, token)
    assert web.auth_test()["team_id"] == T2
    assert web.users_info(user=ERIN)["user"]["team_id"] == T2
    assert refused(lambda: web.users_info(user=ALICE)) == "user_not_found"
    assert emu.authorizations() == [
        {
            "client_id": CLIENT_ID,
            "scope": "commands,chat:write",
            "user_scope": None,
            "state": "s-1",
            "redirect_uri": REDIRECT,
            "team": None,
            "user_id": ERIN,
            "team_id": T2,
            "outcome": "code",
        }
    ]
    [exchange] = emu.calls("oauth.v2.access")
    assert exchange.ok and exchange.team_id is None and exchange.token is None
    assert CLIENT_SECRET not in str(exchange.args)
    assert [c.team_id for c in emu.calls("users.info")] == [T2, T2]


def test_bolts_oauth_flow_installs_from_the_emulator(
    emu: SlackEmulator, browser: httpx.Client, tmp_path: Path
) -> None:
    """What Bolt does on /slack/oauth_redirect: oauth.v2.access, then auth.test for the bot id."""
    settings = OAuthSettings(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["commands", "chat:write"],
        redirect_uri=REDIRECT,
        installation_store=FileInstallationStore(base_dir=str(tmp_path)),
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path)),
        authorization_url=f"{emu.base}/oauth/v2/authorize",
    )
    flow = OAuthFlow(client=slack(emu), settings=settings)
    url = settings.authorize_url_generator.generate("state-from-bolt")
    emu.sign_in(ERIN, T2)
    redirected = browser.get(url)
    code = parse_qs(urlsplit(redirected.headers["Location"]).query)["code"][0]

    installation = flow.run_installation(code)

    assert installation is not None
    team = emu.workspace(T2)
    assert (installation.team_id, installation.team_name, installation.enterprise_id) == (
        T2,
        "Second Team",
        None,
    )
    assert (installation.bot_user_id, installation.bot_id) == (team.bot_user_id, team.bot_id)
    assert installation.user_id == ERIN and installation.is_enterprise_install is False
    assert slack(emu, installation.bot_token).auth_test()["bot_id"] == team.bot_id


def test_the_credentials_may_come_as_form_fields(emu: SlackEmulator, browser: httpx.Client) -> None:
    emu.sign_in(ERIN, T2)
    code = code_from(authorize(browser, emu))

    answer = httpx.post(
        emu.url + "oauth.v2.access",
        data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code, "redirect_uri": REDIRECT},
    ).json()

    assert answer["ok"] is True and answer["team"] == {"id": T2, "name": "Second Team"}


def test_user_scopes_give_the_installer_a_user_token(emu: SlackEmulator, browser: httpx.Client) -> None:
    emu.sign_in(ERIN, T2)
    code = code_from(authorize(browser, emu, user_scope="identity.basic"))

    answer = slack(emu).oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)

    assert answer["authed_user"]["id"] == ERIN
    assert answer["authed_user"]["scope"] == "identity.basic"
    assert answer["authed_user"]["token_type"] == "user"
    assert answer["authed_user"]["access_token"].startswith("xoxp-")


# -------------------------------------------------------------------------------------- the consent page


def test_a_person_who_cancels_is_sent_back_with_access_denied(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    emu.sign_in(ERIN, T2, approve=False)

    response = authorize(browser, emu)

    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "error": ["access_denied"],
        "state": ["s-1"],
    }
    assert emu.authorizations()[-1]["outcome"] == "access_denied"


def test_an_unknown_client_id_gets_an_error_page_and_no_redirect(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    emu.sign_in(ERIN, T2)

    response = authorize(browser, emu, client_id="999.999")

    assert response.status_code == 400 and "Location" not in response.headers
    assert emu.authorizations()[-1]["outcome"] == "invalid_client_id"


def test_nobody_signed_in_sees_a_sign_in_page(emu: SlackEmulator, browser: httpx.Client) -> None:
    response = authorize(browser, emu)

    assert response.status_code == 200 and "Sign in" in response.text
    assert emu.authorizations()[-1]["outcome"] == "sign_in"


def test_the_configured_redirect_url_is_used_and_enforced(emu: SlackEmulator, browser: httpx.Client) -> None:
    emu.redirect_urls = ["https://app.example.com/slack/"]
    emu.sign_in(ERIN, T2)
    params = {"client_id": CLIENT_ID, "scope": "commands", "state": "s-1"}

    default = browser.get(f"{emu.base}/oauth/v2/authorize", params=params)
    elsewhere = browser.get(
        f"{emu.base}/oauth/v2/authorize", params={**params, "redirect_uri": "https://evil.example.com/"}
    )

    assert default.headers["Location"].startswith("https://app.example.com/slack/?code=")
    assert elsewhere.status_code == 400 and "Location" not in elsewhere.headers


# ------------------------------------------------------------------------------------------ the refusals


@pytest.mark.parametrize(
    ("client_id", "client_secret", "error"),
    [("999.999", CLIENT_SECRET, "invalid_client_id"), (CLIENT_ID, "wrong", "bad_client_secret")],
)
def test_bad_app_credentials_are_refused(
    emu: SlackEmulator, browser: httpx.Client, client_id: str, client_secret: str, error: str
) -> None:
    emu.sign_in(ERIN, T2)
    code = code_from(authorize(browser, emu))

    assert (
        refused(
            lambda: slack(emu).oauth_v2_access(client_id=client_id, client_secret=client_secret, code=code)
        )
        == error
    )
    # The code was not spent on a refused call.
    assert slack(emu).oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)["ok"]


def exchange(emu: SlackEmulator, **kw: str) -> object:
    return lambda: slack(emu).oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **kw)


def test_a_code_works_once(emu: SlackEmulator, browser: httpx.Client) -> None:
    emu.sign_in(ERIN, T2)
    code = code_from(authorize(browser, emu))
    exchange(emu, code=code)()  # type: ignore[operator]

    assert refused(exchange(emu, code=code)) == "invalid_code"
    assert refused(exchange(emu, code="123.456.made-up")) == "invalid_code"
    assert len(emu.valid_tokens) == 2  # BOT_TOKEN and the one install


def test_a_code_expires_after_ten_minutes(emu: SlackEmulator, browser: httpx.Client, now: Now) -> None:
    emu.sign_in(ERIN, T2)
    late, in_time = code_from(authorize(browser, emu)), code_from(authorize(browser, emu))

    now.at += 600
    assert exchange(emu, code=in_time)()["ok"]  # type: ignore[operator,index]
    now.at += 1
    assert refused(exchange(emu, code=late)) == "invalid_code"


def test_the_redirect_uri_must_be_the_one_authorized(emu: SlackEmulator, browser: httpx.Client) -> None:
    emu.sign_in(ERIN, T2)
    code = code_from(authorize(browser, emu))

    assert (
        refused(exchange(emu, code=code, redirect_uri="https://app.example.com/other")) == "bad_redirect_uri"
    )


def test_an_unknown_grant_type_is_refused(emu: SlackEmulator) -> None:
    assert refused(exchange(emu, grant_type="client_credentials")) == "invalid_grant_type"


def test_a_code_from_the_classic_authorize_page_does_not_work_with_v2(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    emu.sign_in(ERIN, T2)
    response = browser.get(
        f"{emu.base}/oauth/authorize",
        params={"client_id": CLIENT_ID, "scope": "bot", "state": "s-1", "redirect_uri": REDIRECT},
    )

    assert refused(exchange(emu, code=code_from(response))) == "oauth_authorization_url_mismatch"


# ----------------------------------------------------------------------------------------- token rotation


def test_with_token_rotation_an_install_answers_an_expiring_token_and_a_refresh_token(
    emu: SlackEmulator, browser: httpx.Client, now: Now
) -> None:
    emu.token_rotation = True

    answer = install(browser, emu, ERIN, T2)

    access, refresh = answer["access_token"], answer["refresh_token"]
    assert access.startswith("xoxe.xoxb-1-") and refresh.startswith("xoxe-1-")
    assert answer["expires_in"] == 43200
    assert slack(emu, access).auth_test()["expires_in"] == 43200
    now.at += 43200
    assert refused(lambda: slack(emu, access).auth_test()) == "token_expired"


def test_a_refresh_token_gives_a_new_pair_once(emu: SlackEmulator, browser: httpx.Client, now: Now) -> None:
    emu.token_rotation, emu.token_lifetime = True, 3600
    first = install(browser, emu, ERIN, T2)
    now.at += 3000

    second = exchange(emu, grant_type="refresh_token", refresh_token=first["refresh_token"])()

    assert second["access_token"] != first["access_token"]  # type: ignore[index]
    assert second["refresh_token"] != first["refresh_token"]  # type: ignore[index]
    assert {k: second[k] for k in ("token_type", "expires_in", "team", "bot_user_id")} == {  # type: ignore[index]
        "token_type": "bot",
        "expires_in": 3600,
        "team": {"id": T2, "name": "Second Team"},
        "bot_user_id": first["bot_user_id"],
    }
    assert refused(exchange(emu, grant_type="refresh_token", refresh_token=first["refresh_token"])) == (
        "invalid_refresh_token"
    )
    assert refused(exchange(emu, grant_type="refresh_token", refresh_token="xoxe-1-made-up")) == (
        "invalid_refresh_token"
    )
    now.at += 600  # the first token's hour is over; the second has 3000 s left
    assert refused(lambda: slack(emu, first["access_token"]).auth_test()) == "token_expired"
    assert slack(emu, second["access_token"]).users_info(user=ERIN)["ok"]  # type: ignore[index]
    assert [c.args.get("grant_type") for c in emu.calls("oauth.v2.access")] == [None] + ["refresh_token"] * 3


def test_slack_sdks_token_rotator_refreshes_against_the_emulator(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    emu.token_rotation = True
    answer = install(browser, emu, ERIN, T2)
    bot = Bot(
        app_id=APP_ID,
        team_id=T2,
        bot_token=answer["access_token"],
        bot_refresh_token=answer["refresh_token"],
        bot_token_expires_in=answer["expires_in"],
        bot_id=emu.workspace(T2).bot_id,
        bot_user_id=answer["bot_user_id"],
        installed_at=START,
    )
    rotator = TokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=slack(emu))

    rotated = rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=24 * 60)

    assert rotated is not None and rotated.bot_token != answer["access_token"]
    assert slack(emu, rotated.bot_token).auth_test()["team_id"] == T2


# ------------------------------------------------------------------------------------- org-wide installs


def test_an_org_wide_install_answers_the_organization_and_its_token_reaches_every_workspace_of_it(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    answer = install(browser, emu, FRANK, T3, org_wide=True)

    assert answer["team"] is None
    assert answer["enterprise"] == {"id": ORG, "name": "Starship"}
    assert answer["is_enterprise_install"] is True
    web = slack(emu, answer["access_token"])
    test = web.auth_test()
    assert (test["enterprise_id"], test["is_enterprise_install"], test["team_id"]) == (ORG, True, ORG)
    assert test["user_id"] == answer["bot_user_id"] == emu.workspace(T4).bot_user_id
    for user, team in ((FRANK, T3), (GRACE, T4)):
        assert web.users_info(user=user)["user"]["team_id"] == team
        assert web.chat_postMessage(channel=user, text="hello")["message"]["team"] == team
    assert refused(lambda: web.users_info(user=ERIN)) == "user_not_found"  # not of the organization
    assert [c.team_id for c in emu.calls("chat.postMessage")] == [T3, T4]
    assert emu.request_origin(T4)["is_enterprise_install"] is True  # type: ignore[index]


def test_an_install_in_one_workspace_of_an_organization_reaches_that_workspace_only(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    answer = install(browser, emu, FRANK, T3)

    assert answer["team"] == {"id": T3, "name": "Starship Ops"}
    assert answer["enterprise"] == {"id": ORG, "name": "Starship"}
    assert answer["is_enterprise_install"] is False
    web = slack(emu, answer["access_token"])
    assert web.auth_test().data | {"ok": True} == {
        "ok": True,
        "url": "https://starshipops.slack.com/",
        "team": "Starship Ops",
        "user": "oneonone",
        "team_id": T3,
        "user_id": emu.workspace(T3).bot_user_id,
        "bot_id": emu.workspace(T3).bot_id,
        "enterprise_id": ORG,
        "is_enterprise_install": False,
    }
    assert refused(lambda: web.users_info(user=GRACE)) == "user_not_found"


def test_an_org_wide_install_needs_a_workspace_of_an_organization(emu: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="no organization"):
        emu.sign_in(ERIN, T2, org_wide=True)
    with pytest.raises(KeyError):
        emu.sign_in(ERIN, T3)  # Erin is no member of T3


def test_the_url_generator_of_slack_sdk_reaches_the_consent_page(
    emu: SlackEmulator, browser: httpx.Client
) -> None:
    url = AuthorizeUrlGenerator(
        client_id=CLIENT_ID,
        scopes=["commands"],
        redirect_uri=REDIRECT,
        authorization_url=f"{emu.base}/oauth/v2/authorize",
    ).generate("s-1", team=T2)
    emu.sign_in(ERIN, T2)

    assert code_from(browser.get(url))
    assert emu.authorizations()[-1]["team"] == T2


def test_oauth_v2_exchange_turns_a_lasting_token_into_a_rotating_pair_once(emu: SlackEmulator) -> None:
    lasting = emu.add_bot_token(T2)
    client = slack(emu)

    def exchanged(token: str) -> object:
        return lambda: client.oauth_v2_exchange(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token=token)

    assert refused(exchanged(lasting)) == "token_rotation_not_enabled"
    emu.token_rotation = True
    answer = exchanged(lasting)()

    assert answer["access_token"].startswith("xoxe.xoxb-1-")  # type: ignore[index]
    assert answer["refresh_token"].startswith("xoxe-1-") and answer["expires_in"] == 43200  # type: ignore[index]
    assert slack(emu, answer["access_token"]).auth_test()["team_id"] == T2  # type: ignore[index]
    assert refused(exchanged(lasting)) == "token_already_exchanged"
    assert refused(exchanged(answer["access_token"])) == "token_already_exchanged"  # type: ignore[index]
    assert refused(exchanged("xoxb-made-up")) == "invalid_token"
    bad = client.oauth_v2_exchange
    assert (
        refused(lambda: bad(client_id=CLIENT_ID, client_secret="wrong", token=lasting)) == "bad_client_secret"
    )
    assert all(c.token is None and CLIENT_SECRET not in str(c.args) for c in emu.calls("oauth.v2.exchange"))
