"""Installing in many workspaces (issue 16), on the wire: the app in OAuth mode, served over HTTP, installed
through /slack/install by the admins of two workspaces of the emulated Slack. Each workspace's commands are
answered, and each Web API call made for them (views.open, users.info) goes with that workspace's own token:
the emulator answers a call as the workspace its token belongs to (`Call.team_id`). A cancelled consent and
a replayed or forged state end on our failure page with nothing stored; a Grid org-wide install serves two
workspaces of the organisation; `app_uninstalled` deletes the workspace's tokens.

OAuth is HTTP only: the install pages are web pages, and Socket Mode is refused with it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select

from bot.config import ConfigError, Settings
from bot.slack import oauth
from bot.slack.scopes import BOT_SCOPES
from bot.slack.startup import check_slack
from bot.store.db import SessionFactory
from bot.store.installation_tables import bots, installations
from bot.store.models import Workspace
from emulator.ids import APP_TOKEN, CLIENT_ID, CLIENT_SECRET
from emulator.payloads import slash_command_body
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import AppServer, FakeClock, app_under_test, http_sender, serving
from tests.slack.helpers import reply_text
from tests.slack.installing import back_at_the_app, consented, install_workspace

pytestmark = pytest.mark.http_only

KEY = Fernet.generate_key().decode()
STATE_SECRET = "test-state-secret"
ALPHA, BETA = "T0ALPHA01", "T0BETA001"
ANNA, BEN = "UANNA0001", "UBEN00001"  # Alpha's people
BEA, BO = "UBEA00001", "UBO000001"  # Beta's
ORG, GRID_ONE, GRID_TWO = "E0ACME001", "T0GRID001", "T0GRID002"
GRETA, GUS = "WGRETA001", "WGUS00001"  # of Grid One and Grid Two


@pytest.fixture(scope="module")
def oauth_settings(settings: Settings) -> Settings:
    """The test settings in OAuth mode: the emulated app's client id and secret, no bot token."""
    return replace(
        settings,
        bot_token=None,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        state_secret=STATE_SECRET,
        token_keys=(KEY,),
    )


@pytest.fixture(scope="module")
def oauth_server(oauth_settings: Settings, engine: Engine, _clock: FakeClock) -> Iterator[AppServer]:
    """The app `serve` builds in OAuth mode, behind a real HTTP server."""
    app, later, deliverer = app_under_test(oauth_settings, engine, _clock)
    with serving(app, engine, _clock) as url:
        yield AppServer(url=url, app=app, later=later, deliverer=deliverer)  # type: ignore[arg-type]
    deliverer.stop()  # type: ignore[attr-defined]


@pytest.fixture
def slack(
    oauth_server: AppServer, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SlackSender]:
    sender = http_sender(
        oauth_server.url, emulator, oauth_server.later, oauth_server.deliverer, oauth_server.app
    )
    yield sender
    sender.close()
    oauth_server.app.wait_idle(10)
    oauth_server.later.wait_idle(10)
    oauth_server.deliverer.wait_idle(10)


@pytest.fixture
def two_workspaces(emulator: SlackEmulator) -> None:
    emulator.add_workspace(ALPHA, "Alpha")
    emulator.add_workspace(BETA, "Beta")
    for user, team, zone in (
        (ANNA, ALPHA, "America/New_York"),
        (BEN, ALPHA, "Europe/Berlin"),
        (BEA, BETA, "Asia/Tokyo"),
        (BO, BETA, "Europe/Paris"),
    ):
        emulator.add_user(user, tz=zone, team_id=team)


@pytest.fixture
def organisation(emulator: SlackEmulator) -> None:
    emulator.add_workspace(GRID_ONE, "Grid One", enterprise_id=ORG, enterprise_name="Acme")
    emulator.add_workspace(GRID_TWO, "Grid Two", enterprise_id=ORG, enterprise_name="Acme")
    emulator.add_user(GRETA, tz="America/Chicago", team_id=GRID_ONE)
    emulator.add_user(GUS, tz="Europe/Madrid", team_id=GRID_TWO)


def stored_rows(sessions: SessionFactory) -> list[tuple[Any, ...]]:
    """Every stored installation and bot row."""
    with sessions() as session:
        return [*session.execute(select(installations)).all(), *session.execute(select(bots)).all()]


def bots_of(sessions: SessionFactory, team_id: str | None, enterprise_id: str | None = None) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(bots).where(bots.c.team_id == team_id)
        if enterprise_id is not None:
            query = query.where(bots.c.enterprise_id == enterprise_id)
        return int(session.scalar(query) or 0)


def issued_tokens(emulator: SlackEmulator, team_id: str | None) -> set[str]:
    """The bot tokens the emulated Slack issued for `team_id` (None: org-wide ones)."""
    return {t for t in emulator.valid_tokens if (grant := emulator.grant(t)) and grant.team_id == team_id}


def calls_for(emulator: SlackEmulator, method: str, **args: str) -> list[Any]:
    return [c for c in emulator.calls(method) if all(c.args.get(k) == v for k, v in args.items())]


# ------------------------------------------------------------------------------------ two workspaces


def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    oauth_server: AppServer,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    two_workspaces: None,
) -> None:
    alpha = install_workspace(oauth_server.url, emulator, ALPHA, ANNA)
    beta = install_workspace(oauth_server.url, emulator, BETA, BEA)

    for page, name in ((alpha, "Alpha"), (beta, "Beta")):
        assert page.status_code == 200, page.text
        assert f"installed in {name}" in page.text and "/1on1 help" in page.text and "Home" in page.text
    tokens = {ALPHA: issued_tokens(emulator, ALPHA), BETA: issued_tokens(emulator, BETA)}
    assert all(len(issued) == 1 for issued in tokens.values())
    # Stored encrypted: no token in any column.
    stored = " ".join(str(value) for row in stored_rows(sessions) for value in row)
    assert not [token for issued in tokens.values() for token in issued if token in stored]

    for user, team in ((ANNA, ALPHA), (BEA, BETA)):
        assert reply_text(slack.command("list", user_id=user, team_id=team))  # needs the person's zone
        slack.command("schedule", user_id=user, team_id=team)  # the form, in a modal

    for user, team in ((ANNA, ALPHA), (BEA, BETA)):
        looked_up = calls_for(emulator, "users.info", user=user)
        assert looked_up and all(c.team_id == team and c.token in tokens[team] for c in looked_up)
    opened = emulator.calls("views.open")
    assert sorted(c.team_id for c in opened) == [ALPHA, BETA]
    assert all(c.token in tokens[c.team_id] for c in opened)
    # Nothing went with another workspace's token, or with none.
    assert all(c.ok for c in emulator.calls()), [c for c in emulator.calls() if not c.ok]


def test_a_command_from_a_workspace_that_never_installed_is_told_so(
    slack: SlackSender, emulator: SlackEmulator, two_workspaces: None
) -> None:
    url = emulator.new_response_url()
    answer = slack.command("list", user_id=ANNA, team_id=ALPHA, response_url=url)

    assert answer.status_code == 200
    said = " ".join(str(p.payload.get("text")) for p in emulator.response_posts(url)) + answer.text
    assert "not installed in this workspace" in said
    assert emulator.calls("users.info") == []


# ------------------------------------------------------------------------------------ failed installs


def test_a_cancelled_consent_ends_on_our_page_and_stores_nothing(
    oauth_server: AppServer, emulator: SlackEmulator, sessions: SessionFactory, two_workspaces: None
) -> None:
    page = install_workspace(oauth_server.url, emulator, ALPHA, ANNA, approve=False)

    assert page.status_code == 200
    assert "was not installed" in page.text and "cancelled" in page.text and "/slack/install" in page.text
    assert stored_rows(sessions) == []


def test_a_replayed_redirect_is_refused_and_stores_nothing_more(
    oauth_server: AppServer, emulator: SlackEmulator, sessions: SessionFactory, two_workspaces: None
) -> None:
    with httpx.Client(timeout=10) as browser:
        location, state = consented(browser, oauth_server.url, emulator, ALPHA, ANNA)
        first = back_at_the_app(browser, location, state)
        stored = stored_rows(sessions)
        again = back_at_the_app(browser, location, state)

    assert first.status_code == 200 and "installed in Alpha" in first.text
    assert again.status_code == 401
    assert "was not installed" in again.text and "expired or was already used" in again.text
    assert stored_rows(sessions) == stored


def test_a_forged_or_altered_state_is_refused_and_stores_nothing(
    oauth_server: AppServer, emulator: SlackEmulator, sessions: SessionFactory, two_workspaces: None
) -> None:
    with httpx.Client(timeout=10) as browser:
        location, state = consented(browser, oauth_server.url, emulator, ALPHA, ANNA)
        fields = dict(parse_qsl(location.split("?", 1)[1]))
        raw, _, signature = state.rpartition(".")
        pages = []
        for bad in (f"{raw[:-1]}{'1' if raw.endswith('0') else '0'}.{signature}", "forged.c2lnbmF0dXJl"):
            forged = location.split("?", 1)[0] + "?" + urlencode({**fields, "state": bad})
            pages.append(back_at_the_app(browser, forged, bad))

    assert [page.status_code for page in pages] == [401, 401]
    assert all("was not installed" in page.text for page in pages)
    assert stored_rows(sessions) == []


# ------------------------------------------------------------------------------------ Enterprise Grid


def grid_command(
    slack: SlackSender, emulator: SlackEmulator, text: str, user_id: str, team_id: str
) -> httpx.Response:
    """`/1on1 <text>` from a workspace of the organisation where the app is installed org-wide, as Slack
    sends it: the organisation's id and `is_enterprise_install`. What the person finally sees."""
    url = emulator.new_response_url()
    body, content_type = slash_command_body(
        text, user_id, team_id, response_url=url, trigger_id=emulator.new_trigger_id(user_id)
    )
    fields = {
        **dict(parse_qsl(body.decode())),
        "enterprise_id": ORG,
        "enterprise_name": "Acme",
        "is_enterprise_install": "true",
    }
    answer: httpx.Response = slack.post(urlencode(fields).encode(), content_type)
    if slack.settle is not None:
        slack.settle()
    replaced = [p.payload for p in emulator.response_posts(url) if p.payload.get("replace_original")]
    return slack.replaced(answer, replaced[-1]) if replaced else answer


def test_an_org_wide_install_serves_every_workspace_of_the_organisation(
    oauth_server: AppServer,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    organisation: None,
) -> None:
    page = install_workspace(oauth_server.url, emulator, GRID_ONE, GRETA, org_wide=True)

    assert page.status_code == 200 and "installed in Acme" in page.text, page.text
    org_token = issued_tokens(emulator, None)
    assert len(org_token) == 1 and bots_of(sessions, None, ORG) == 1

    for user, team in ((GRETA, GRID_ONE), (GUS, GRID_TWO)):
        assert reply_text(grid_command(slack, emulator, "list", user, team))
        calls = calls_for(emulator, "users.info", user=user)
        assert calls and all(c.ok and c.token in org_token and c.team_id == team for c in calls), calls
    # Each workspace's organisation is known: its messages can go with the organisation's token.
    with sessions() as session:
        learned = dict(session.execute(select(Workspace.slack_team_id, Workspace.slack_enterprise_id)).all())
    assert learned == {GRID_ONE: ORG, GRID_TWO: ORG}


# ------------------------------------------------------------------------------------ leaving


def test_app_uninstalled_deletes_the_workspaces_tokens_and_only_its(
    oauth_server: AppServer,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    two_workspaces: None,
) -> None:
    install_workspace(oauth_server.url, emulator, ALPHA, ANNA)
    install_workspace(oauth_server.url, emulator, BETA, BEA)
    assert "Scheduled a weekly 1:1" in reply_text(
        slack.command(f"schedule <@{BEN}> weekly tue 10:00", user_id=ANNA, team_id=ALPHA)
    )

    emulator.revoke_bot_token(ALPHA)
    assert slack.event({"type": "app_uninstalled"}, team_id=ALPHA).status_code == 200

    assert bots_of(sessions, ALPHA) == 0 and bots_of(sessions, BETA) == 1
    with sessions() as session:
        teams = set(session.scalars(select(installations.c.team_id)))
        left = session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == ALPHA))
    assert teams == {BETA} and left is not None
    url = emulator.new_response_url()
    slack.command("list", user_id=BEN, team_id=ALPHA, response_url=url)
    assert any("not installed" in str(p.payload.get("text")) for p in emulator.response_posts(url))
    assert reply_text(slack.command("list", user_id=BO, team_id=BETA))


def test_only_a_revoked_bot_token_means_the_bot_left(
    oauth_server: AppServer,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    two_workspaces: None,
) -> None:
    install_workspace(oauth_server.url, emulator, ALPHA, ANNA)
    install_workspace(oauth_server.url, emulator, BETA, BEA)

    assert "Scheduled" in reply_text(
        slack.command(f"schedule <@{BEN}> weekly tue 10:00", user_id=ANNA, team_id=ALPHA)
    )
    people_only = {"type": "tokens_revoked", "tokens": {"oauth": [ANNA], "bot": []}}
    assert slack.event(people_only, team_id=ALPHA).status_code == 200
    assert bots_of(sessions, ALPHA) == 1
    with sessions() as session:
        assert (
            session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == ALPHA)) is None
        )
    assert reply_text(slack.command("list", user_id=ANNA, team_id=ALPHA))

    bot_token = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UT0ALPHA01BOT"]}}
    assert slack.event(bot_token, team_id=ALPHA).status_code == 200
    assert bots_of(sessions, ALPHA) == 0 and bots_of(sessions, BETA) == 1
    with sessions() as session:
        left = session.scalar(select(Workspace.uninstalled_at).where(Workspace.slack_team_id == ALPHA))
    assert left is not None


# ------------------------------------------------------------------------------------ settings


def test_the_app_asks_for_exactly_the_manifests_scopes_and_is_org_ready() -> None:
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
    assert sorted(BOT_SCOPES) == sorted(manifest["oauth_config"]["scopes"]["bot"])
    assert len(set(BOT_SCOPES)) == len(BOT_SCOPES)
    assert manifest["settings"]["org_deploy_enabled"] is True
    redirects = manifest["oauth_config"]["redirect_urls"]
    assert [url.removeprefix("https://bot.example.com") for url in redirects] == [oauth.REDIRECT_PATH]


def test_the_authorize_page_is_slacks_or_the_one_beside_slack_api_url(oauth_settings: Settings) -> None:
    assert oauth.authorization_url(replace(oauth_settings, slack_api_url=None)) == oauth.SLACK_AUTHORIZE_URL
    emulated = replace(oauth_settings, slack_api_url="http://127.0.0.1:4000/api/")
    assert oauth.authorization_url(emulated) == "http://127.0.0.1:4000/oauth/v2/authorize"


def test_oauth_settings_are_checked_with_one_line_each(oauth_settings: Settings) -> None:
    oauth_settings.require_slack(http=True)  # complete

    def problem(**changes: Any) -> str:
        with pytest.raises(ConfigError) as raised:
            replace(oauth_settings, **changes).require_slack(http=True)
        assert "\n" not in str(raised.value)
        return str(raised.value)

    missing = problem(client_secret=None, state_secret=None, token_keys=())
    assert "SLACK_CLIENT_SECRET" in missing and "SLACK_STATE_SECRET" in missing
    assert "TOKEN_ENCRYPTION_KEY" in missing and "Fernet.generate_key()" in missing
    assert "SLACK_CLIENT_ID" not in missing
    assert "choose one" in problem(bot_token="xoxb-1-2-3")
    assert "needs the HTTP server" in problem(app_token=APP_TOKEN)
    assert "not a Fernet key" in problem(token_keys=("not-a-key",))
    assert "SLACK_SIGNING_SECRET" in problem(signing_secret=None)


def test_serving_in_oauth_mode_logs_how_many_workspaces_are_installed(
    oauth_server: AppServer,
    oauth_settings: Settings,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    two_workspaces: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_workspace(oauth_server.url, emulator, ALPHA, ANNA)
    install_workspace(oauth_server.url, emulator, BETA, BEA)
    emulator.reset()  # no auth.test with a bot token: there is none

    with caplog.at_level(logging.INFO, logger="bot.slack.startup"):
        check_slack(oauth_settings)

    assert "installed in 2 workspace(s)" in caplog.text
    assert emulator.calls() == []


# ------------------------------------------------------------------------------------ token rotation


def test_a_rotating_token_is_refreshed_before_the_listener_uses_it(
    oauth_server: AppServer,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    two_workspaces: None,
) -> None:
    emulator.token_rotation = True
    emulator.token_lifetime = 60 * 60  # an hour: within the app's refresh margin from the start
    install_workspace(oauth_server.url, emulator, ALPHA, ANNA)
    (installed,) = issued_tokens(emulator, ALPHA)

    assert reply_text(slack.command("list", user_id=ANNA, team_id=ALPHA))

    refreshes = [c for c in emulator.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1 and refreshes[0].ok
    looked_up = calls_for(emulator, "users.info", user=ANNA)
    assert looked_up and all(c.ok and c.team_id == ALPHA for c in looked_up)
    assert {c.token for c in looked_up} == {refreshes[0].response["access_token"]} != {installed}
    stored = " ".join(str(value) for row in stored_rows(sessions) for value in row)
    assert installed not in stored and refreshes[0].response["access_token"] not in stored
    assert bots_of(sessions, ALPHA) == 1  # the bot's row, updated
