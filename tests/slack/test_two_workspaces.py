"""Issue 16's acceptance test, over signed HTTP: two workspaces install the app through the OAuth flow; in
each, its own people schedule a 1:1 and add a topic; then a tick (`python -m bot tick`). Each workspace's
prompts go out with its own bot token only, name only its own people and carry only its own topics, and no
call the app made for one workspace names anything of the other."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select

from bot.config import Settings
from bot.processes import _tick_and_deliver
from bot.store.db import SessionFactory
from bot.store.models import Workspace
from emulator.ids import CLIENT_ID, CLIENT_SECRET
from emulator.requests import SlackSender
from emulator.server import Call
from emulator.web_api import SlackEmulator
from tests.conftest import SIGNING_SECRET, AppServer, FakeClock, app_under_test, http_sender, serving
from tests.slack.helpers import reply_text, text_of
from tests.slack.installing import install_workspace

ALPHA, BRAVO = "TALPHA001", "TBRAVO001"
PEOPLE = {ALPHA: ("UAANNA001", "UAARNE001"), BRAVO: ("UBBEA0001", "UBBEN0001")}
ZONES = {ALPHA: "America/New_York", BRAVO: "Europe/Berlin"}
TOPICS = {ALPHA: "Alpha roadmap review", BRAVO: "Bravo hiring plan"}
# Thursday's 1:1s are at 10:00 in New York (15:00 UTC) and in Berlin (09:00 UTC); a day ahead both are
# prompted.
TICK_AT = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
MENTION = re.compile(r"<@([A-Z0-9]+)")


@pytest.fixture(scope="module")
def oauth_settings(database_url: str, _emulator: SlackEmulator) -> Settings:
    return Settings.from_env(
        {
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "SLACK_STATE_SECRET": "test-state-secret",
            "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": _emulator.url,
            "DATABASE_URL": database_url,
        }
    )


@pytest.fixture(scope="module")
def oauth_app(oauth_settings: Settings, engine: Engine, _clock: FakeClock) -> Iterator[AppServer]:
    """The app `serve` runs with SLACK_CLIENT_ID and no SLACK_BOT_TOKEN, behind real HTTP."""
    app, later, deliverer = app_under_test(oauth_settings, engine, _clock)
    with serving(app, engine, _clock) as url:
        yield AppServer(url, app, later, deliverer)  # type: ignore[arg-type]
    deliverer.stop()  # type: ignore[attr-defined]


@pytest.fixture
def sender(
    oauth_app: AppServer, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> Iterator[SlackSender]:
    sender = http_sender(oauth_app.url, emulator, oauth_app.later, oauth_app.deliverer, oauth_app.app)
    yield sender
    sender.close()
    oauth_app.app.wait_idle(10)
    oauth_app.later.wait_idle(10)
    oauth_app.deliverer.wait_idle(10)


def installed(emulator: SlackEmulator) -> dict[str, str]:
    """Each workspace's bot token, as Slack issued it to the app's OAuth flow."""
    return {
        c.response["team"]["id"]: c.response["access_token"]
        for c in emulator.calls("oauth.v2.access")
        if c.ok
    }


def ids_of(emulator: SlackEmulator, team: str, token: str) -> set[str]:
    """Everything that names the workspace: its id, its people and their DMs with the bot, its token."""
    people = PEOPLE[team]
    dms = {emulator.dm_channel_for(user) for user in people}
    return {team, token, *people, *(dm for dm in dms if dm)}


def named_in(call: Call) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def test_each_workspace_hears_only_of_itself_with_its_own_token(
    oauth_app: AppServer,
    sender: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    oauth_settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for team, name in ((ALPHA, "Alpha"), (BRAVO, "Bravo")):
        emulator.add_workspace(team, name)
        for user in PEOPLE[team]:
            emulator.add_user(user, tz=ZONES[team], team_id=team)
        page = install_workspace(oauth_app.url, emulator, team, PEOPLE[team][0])
        assert page.status_code == 200, page.text
    tokens = installed(emulator)
    assert set(tokens) == {ALPHA, BRAVO}

    for team, (manager, report) in PEOPLE.items():
        reply_text(sender.command(f"schedule <@{report}> weekly thu 10:00", user_id=manager, team_id=team))
        reply_text(sender.command(f"add-topic <@{report}> {TOPICS[team]}", user_id=manager, team_id=team))
    before_tick = len(emulator.calls())

    assert _tick_and_deliver(oauth_settings, sessions, TICK_AT) == 0

    assert "delivered: 4 sent, 0 to retry, 0 failed" in capsys.readouterr().out
    prompts = [c for c in emulator.calls()[before_tick:] if c.method == "chat.postMessage"]
    assert all(c.ok for c in prompts)
    assert Counter(c.team_id for c in prompts) == {ALPHA: 2, BRAVO: 2}
    for call in prompts:
        team = str(call.team_id)
        assert call.token == tokens[team]
        assert call.args["channel"] in {*PEOPLE[team], *(emulator.dm_channel_for(u) for u in PEOPLE[team])}
        text = text_of(call.args) + named_in(call)
        assert set(MENTION.findall(text)) <= set(PEOPLE[team])
        assert TOPICS[team] in text_of(call.args)
        assert all(topic not in text for other, topic in TOPICS.items() if other != team)

    # Every call of the whole story (installs, commands' look-ups, confirmations, prompts): made with its
    # workspace's token, naming nothing of the other workspace.
    calls = [c for c in emulator.calls() if c.token is not None]
    assert {c.team_id for c in calls} == {ALPHA, BRAVO}
    for call in calls:
        team = str(call.team_id)
        other = BRAVO if team == ALPHA else ALPHA
        assert call.token == tokens[team], call.method
        assert not any(name in named_in(call) for name in ids_of(emulator, other, tokens[other])), call.method
    with sessions() as session:
        assert set(session.scalars(select(Workspace.slack_team_id))) == {ALPHA, BRAVO}
    # The same story in each workspace costs each the same calls (measured: 2 auth.test, the install's and
    # Bolt's first request's; 2 users.info, both people's zones; 3 chat.postMessage, the series announced
    # and the two prompts).
    per_workspace = Counter((c.team_id, c.method) for c in calls)
    assert {m: n for (t, m), n in per_workspace.items() if t == ALPHA} == {
        m: n for (t, m), n in per_workspace.items() if t == BRAVO
    }
