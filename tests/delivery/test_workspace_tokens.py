"""Delivery installed in many workspaces (issue 16): each message goes out with its own workspace's bot token,
found in the installation store (encrypted), refreshed first when it expires soon; one workspace's rate
limit holds back only its own messages.

Installations are made as Slack makes them: the emulator's consent page and oauth.v2.access (with token
rotation on, an expiring token and a single-use refresh token), saved in the real store
(bot/store/installations.py).
"""

from __future__ import annotations

import copy
import http.client
import logging
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, FileInstallationStore, Installation, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.tokens import NOT_INSTALLED, Installed
from bot.domain.outbox import DeliveryStatus
from bot.store import installation_tables as tables
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.installations import EncryptedInstallationStore, installation_store
from bot.store.models import OutboxMessage, Person, Workspace
from emulator.ids import CLIENT_ID, CLIENT_SECRET
from emulator.web_api import SlackEmulator
from tests.conftest import START

NOW = START
REDIRECT = "https://bot.example.com/slack/oauth_redirect"
TEAM_A, TEAM_B, TEAM_C = "TALPHA001", "TBRAVO001", "TCHARLIE1"
ORG = "EORG00001"
KEY = Fernet.generate_key().decode()


def render(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    return {"text": f"hello {row.key}"}


@pytest.fixture
def store(engine: Engine) -> EncryptedInstallationStore:
    return installation_store(CLIENT_ID, [KEY], engine)


@pytest.fixture
def clients(store: EncryptedInstallationStore, emulator: SlackEmulator) -> Installed:
    return Installed(store, base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


def host(emulator: SlackEmulator, team_id: str, *users: str, enterprise_id: str | None = None) -> None:
    emulator.add_workspace(team_id, team_id.lower(), enterprise_id=enterprise_id)
    for user in users:
        emulator.add_user(user, team_id=team_id)


def install(
    emulator: SlackEmulator,
    store: InstallationStore,
    team_id: str,
    user_id: str,
    org_wide: bool = False,
) -> Installation:
    """What Bolt's OAuth flow does: the person approves on Slack's consent page, the app exchanges the code
    (oauth.v2.access) and saves the installation."""
    emulator.sign_in(user_id, team_id, org_wide=org_wide)
    query = urlencode({"client_id": CLIENT_ID, "scope": "chat:write,im:write", "redirect_uri": REDIRECT})
    parts = urlsplit(emulator.base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    connection.request("GET", f"/oauth/v2/authorize?{query}")
    location = connection.getresponse().getheader("Location") or ""
    connection.close()
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = WebClient(base_url=emulator.url).oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code, redirect_uri=REDIRECT
    )
    team, enterprise = answer.get("team") or {}, answer.get("enterprise") or {}
    installation = Installation(
        app_id=answer["app_id"],
        enterprise_id=enterprise.get("id"),
        enterprise_name=enterprise.get("name"),
        team_id=team.get("id"),
        team_name=team.get("name"),
        bot_token=answer["access_token"],
        bot_id="B0001",
        bot_user_id=answer["bot_user_id"],
        bot_scopes=answer["scope"],
        bot_refresh_token=answer.get("refresh_token"),
        bot_token_expires_in=answer.get("expires_in"),
        user_id=answer["authed_user"]["id"],
        is_enterprise_install=answer["is_enterprise_install"],
        token_type="bot",
    )
    store.save(installation)
    return installation


def people(
    sessions: SessionFactory, team_id: str, *users: str, enterprise_id: str | None = None
) -> list[int]:
    """Our rows for a workspace and its people; their person ids."""
    with sessions.begin() as session:
        workspace = Workspace(slack_team_id=team_id, slack_enterprise_id=enterprise_id, created_at=NOW)
        session.add(workspace)
        session.flush()
        rows = [Person(workspace_id=workspace.id, slack_user_id=u, created_at=NOW) for u in users]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def queue(sessions: SessionFactory, dms: dict[str, int]) -> None:
    """A DM per key, in order, to the person id."""
    with sessions.begin() as session:
        for key, person_id in dms.items():
            outbox.enqueue(session, key=key, kind="test", now=NOW, recipient_id=person_id)


def row(sessions: SessionFactory, key: str) -> OutboxMessage:
    with sessions() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        assert found is not None
        return found


def deliver(
    sessions: SessionFactory, clients: Installed, at: datetime = NOW, limit: int = 200
) -> DeliveryReport:
    return deliver_all_due(sessions, clients, render, at, limit=limit)


def posts_by_token(emulator: SlackEmulator) -> dict[str, set[str]]:
    """The texts posted (ok) with each token."""
    found: dict[str, set[str]] = {}
    for call in emulator.calls("chat.postMessage"):
        if call.ok:
            found.setdefault(str(call.token), set()).add(str(call.args["text"]))
    return found


def refreshes(emulator: SlackEmulator) -> list[Any]:
    return [c for c in emulator.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]


# ------------------------------------------------------------------------------------------------ tokens


def test_each_workspace_s_messages_go_with_its_own_token(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore, clients: Installed
) -> None:
    host(emulator, TEAM_A, "UANNA0001", "UARNE0001")
    host(emulator, TEAM_B, "UBEA00001")
    token_a = install(emulator, store, TEAM_A, "UANNA0001").bot_token
    token_b = install(emulator, store, TEAM_B, "UBEA00001").bot_token
    anna, arne = people(sessions, TEAM_A, "UANNA0001", "UARNE0001")
    (bea,) = people(sessions, TEAM_B, "UBEA00001")
    queue(sessions, {"a1": anna, "b1": bea, "a2": arne, "b2": bea})

    assert deliver(sessions, clients) == DeliveryReport(sent=4)

    assert posts_by_token(emulator) == {token_a: {"hello a1", "hello a2"}, token_b: {"hello b1", "hello b2"}}
    teams = Counter(c.team_id for c in emulator.calls("chat.postMessage"))
    assert teams == {TEAM_A: 2, TEAM_B: 2}
    assert all(c.ok for c in emulator.calls())


def test_a_workspace_without_an_installation_has_its_messages_dropped(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clients: Installed,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host(emulator, TEAM_A, "UANNA0001")
    host(emulator, TEAM_C, "UCARL0001")
    token_a = install(emulator, store, TEAM_A, "UANNA0001").bot_token
    (anna,) = people(sessions, TEAM_A, "UANNA0001")
    (carl,) = people(sessions, TEAM_C, "UCARL0001")
    queue(sessions, {"c1": carl, "a1": anna})

    with caplog.at_level(logging.INFO, logger="bot"):
        assert deliver(sessions, clients) == DeliveryReport(sent=1, dropped=1)

    dropped = row(sessions, "c1")
    assert (dropped.status, dropped.last_error) == (DeliveryStatus.DROPPED, NOT_INSTALLED)
    assert posts_by_token(emulator) == {token_a: {"hello a1"}}
    assert emulator.calls(team_id=TEAM_C) == []
    assert any(TEAM_C in r.getMessage() and "no installation" in r.getMessage() for r in caplog.records)
    assert token_a not in caplog.text


def test_an_org_wide_installation_serves_every_workspace_of_its_organisation(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore, clients: Installed
) -> None:
    host(emulator, TEAM_A, "WANNA0001", enterprise_id=ORG)
    host(emulator, TEAM_B, "WBEA00001", enterprise_id=ORG)
    org_token = install(emulator, store, TEAM_A, "WANNA0001", org_wide=True).bot_token
    (anna,) = people(sessions, TEAM_A, "WANNA0001", enterprise_id=ORG)
    (bea,) = people(sessions, TEAM_B, "WBEA00001", enterprise_id=ORG)
    queue(sessions, {"a1": anna, "b1": bea})

    assert deliver(sessions, clients) == DeliveryReport(sent=2)

    assert posts_by_token(emulator) == {org_token: {"hello a1", "hello b1"}}
    assert Counter(c.team_id for c in emulator.calls("chat.postMessage")) == {TEAM_A: 1, TEAM_B: 1}


def test_any_store_will_do_an_org_wide_token_rotated_once_for_all_its_workspaces(
    sessions: SessionFactory, emulator: SlackEmulator, tmp_path: Path
) -> None:
    files = FileInstallationStore(
        base_dir=str(tmp_path), client_id=CLIENT_ID
    )  # no org-wide look-up of its own
    host(emulator, TEAM_A, "WANNA0001", enterprise_id=ORG)
    host(emulator, TEAM_B, "WBEA00001", enterprise_id=ORG)
    emulator.token_rotation = True
    emulator.token_lifetime = 60
    install(emulator, files, TEAM_A, "WANNA0001", org_wide=True)
    emulator.token_lifetime = 12 * 60 * 60
    (anna,) = people(sessions, TEAM_A, "WANNA0001", enterprise_id=ORG)
    (bea,) = people(sessions, TEAM_B, "WBEA00001", enterprise_id=ORG)
    queue(sessions, {"a1": anna, "b1": bea})
    clients = Installed(files, base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    assert deliver(sessions, clients) == DeliveryReport(sent=2)

    [refresh] = refreshes(emulator)
    new_token = refresh.response["access_token"]
    assert posts_by_token(emulator) == {new_token: {"hello a1", "hello b1"}}
    saved = files.find_bot(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
    assert saved is not None and saved.bot_token == new_token


# ------------------------------------------------------------------------------------------------ rotation


def test_an_expiring_token_is_rotated_once_and_stored_encrypted(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clients: Installed,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host(emulator, TEAM_A, "UANNA0001", "UARNE0001")
    emulator.token_rotation = True
    emulator.token_lifetime = 30 * 60  # within the two hours before expiry in which it is refreshed
    first = install(emulator, store, TEAM_A, "UANNA0001")
    emulator.token_lifetime = 12 * 60 * 60  # the refreshed one is good for long
    anna, arne = people(sessions, TEAM_A, "UANNA0001", "UARNE0001")
    queue(sessions, {"a1": anna, "a2": arne, "a3": anna})

    with caplog.at_level(logging.DEBUG, logger="bot"):  # slack_sdk's DEBUG lines are dropped (bot/logs.py)
        assert deliver(sessions, clients) == DeliveryReport(sent=3)

    [refresh] = refreshes(emulator)
    assert refresh.ok and refresh.args["refresh_token"] == first.bot_refresh_token
    new_token = refresh.response["access_token"]
    assert new_token != first.bot_token
    assert posts_by_token(emulator) == {new_token: {"hello a1", "hello a2", "hello a3"}}
    # Saved: found again (decrypted) by the next process, and only encrypted in the table.
    bot = store.find_bot(enterprise_id=None, team_id=TEAM_A)
    assert bot is not None and bot.bot_token == new_token
    assert bot.bot_refresh_token == refresh.response["refresh_token"]
    assert (
        bot.bot_token_expires_at is not None and bot.bot_token_expires_at > first.bot_token_expires_at + 3600
    )
    with engine.connect() as connection:
        stored = connection.execute(select(tables.bots.c.bot_token, tables.bots.c.bot_refresh_token)).all()
    secrets = {new_token, first.bot_token, refresh.response["refresh_token"], str(first.bot_refresh_token)}
    assert stored and not {value for pair in stored for value in pair} & secrets
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))
    assert "bot token rotated" in ours and not any(secret in ours for secret in secrets)

    # The next pass uses the stored token as it is: no second rotation.
    queue(sessions, {"a4": arne})
    assert deliver(sessions, clients, NOW + timedelta(minutes=1)) == DeliveryReport(sent=1)
    assert len(refreshes(emulator)) == 1
    assert posts_by_token(emulator)[new_token] == {"hello a1", "hello a2", "hello a3", "hello a4"}


def test_a_rotation_slack_refuses_fails_the_workspace_s_messages_for_good(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore, clients: Installed
) -> None:
    host(emulator, TEAM_A, "UANNA0001")
    host(emulator, TEAM_B, "UBEA00001")
    emulator.token_rotation = True
    emulator.token_lifetime = 60
    spent = install(emulator, store, TEAM_A, "UANNA0001")
    emulator.token_rotation = False
    token_b = install(emulator, store, TEAM_B, "UBEA00001").bot_token
    # Someone else spent the refresh token (and lost what they got): Slack refuses it from now on.
    WebClient(base_url=emulator.url).oauth_v2_access(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        grant_type="refresh_token",
        refresh_token=spent.bot_refresh_token,
    )
    (anna,) = people(sessions, TEAM_A, "UANNA0001")
    (bea,) = people(sessions, TEAM_B, "UBEA00001")
    queue(sessions, {"a1": anna, "b1": bea, "a2": anna})

    assert deliver(sessions, clients) == DeliveryReport(sent=1, failed=2)

    for key in ("a1", "a2"):
        failed = row(sessions, key)
        assert (failed.status, failed.last_error) == (DeliveryStatus.FAILED, "invalid_refresh_token")
    assert len(refreshes(emulator)) == 2  # ours once (a2 did not ask again), after the one spent before
    assert posts_by_token(emulator) == {token_b: {"hello b1"}}


def test_a_rotation_that_cannot_reach_slack_is_retried(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore, clients: Installed
) -> None:
    host(emulator, TEAM_A, "UANNA0001")
    emulator.token_rotation = True
    emulator.token_lifetime = 60
    install(emulator, store, TEAM_A, "UANNA0001")
    emulator.token_lifetime = 12 * 60 * 60
    (anna,) = people(sessions, TEAM_A, "UANNA0001")
    queue(sessions, {"a1": anna})
    unreachable = Installed(
        store, base_url="http://127.0.0.1:1/api/", client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )

    assert deliver(sessions, unreachable) == DeliveryReport(retried=1)
    waiting = row(sessions, "a1")
    assert (waiting.status, waiting.attempts, waiting.last_error) == (DeliveryStatus.PENDING, 1, "URLError")

    assert deliver(sessions, clients, waiting.next_attempt_at) == DeliveryReport(sent=1)
    assert len(refreshes(emulator)) == 1


# ------------------------------------------------------------------------------------------------ rate limits


def test_a_rate_limit_in_one_workspace_holds_back_only_its_own_messages(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore, clients: Installed
) -> None:
    host(emulator, TEAM_A, "UANNA0001", "UARNE0001", "UAXEL0001")
    host(emulator, TEAM_B, "UBEA00001", "UBEN00001")
    token_a = install(emulator, store, TEAM_A, "UANNA0001").bot_token
    token_b = install(emulator, store, TEAM_B, "UBEA00001").bot_token
    anna, arne, axel = people(sessions, TEAM_A, "UANNA0001", "UARNE0001", "UAXEL0001")
    bea, ben = people(sessions, TEAM_B, "UBEA00001", "UBEN00001")
    queue(sessions, {"a1": anna, "a2": arne, "a3": axel, "b1": bea, "b2": ben})
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)  # a1: workspace A's limit

    # Two a batch: B's messages come after A's, in later batches, and still go in this pass.
    report = deliver(sessions, clients, limit=2)

    assert report == DeliveryReport(sent=2, deferred=1, rate_limited=True)
    assert report.resume_at == NOW + timedelta(seconds=30)
    assert posts_by_token(emulator) == {token_b: {"hello b1", "hello b2"}}
    assert [c.token for c in emulator.calls("chat.postMessage")] == [token_a, token_b, token_b]
    assert row(sessions, "a1").next_attempt_at == NOW + timedelta(seconds=30)
    for key in ("a2", "a3"):  # handed back untouched, due at once
        held = row(sessions, key)
        assert (held.status, held.next_attempt_at, held.claimed_until, held.attempts) == (
            DeliveryStatus.PENDING,
            NOW,
            None,
            0,
        )

    assert deliver(sessions, clients, NOW + timedelta(seconds=30)) == DeliveryReport(sent=3)


class SeenBefore(InstallationStore):
    """The store as a process sees it that read the bot just before another one rotated its token: the
    first `stale` reads answer the bot as it was."""

    def __init__(self, store: InstallationStore, before: Bot, stale: int) -> None:
        self.store, self.before, self.stale = store, before, stale

    def find_bot(self, **kwargs: Any) -> Bot | None:
        if self.stale > 0:
            self.stale -= 1
            return self.before
        return self.store.find_bot(**kwargs)

    def save_bot(self, bot: Bot) -> None:
        self.store.save_bot(bot)


def test_a_token_another_process_just_rotated_is_used_instead_of_failing(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore
) -> None:
    host(emulator, TEAM_A, "UANNA0001")
    emulator.token_rotation = True
    emulator.token_lifetime = 60
    install(emulator, store, TEAM_A, "UANNA0001")
    emulator.token_lifetime = 12 * 60 * 60
    before = store.find_bot(enterprise_id=None, team_id=TEAM_A)
    assert before is not None
    # Bolt, answering a request in another process, rotates first (and spends the refresh token).
    other = TokenRotator(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, client=WebClient(base_url=emulator.url)
    )
    rotated = other.perform_bot_token_rotation(bot=copy.copy(before), minutes_before_expiration=120)
    assert rotated is not None
    store.save_bot(rotated)
    (anna,) = people(sessions, TEAM_A, "UANNA0001")
    queue(sessions, {"a1": anna})
    late = Installed(
        SeenBefore(store, before, stale=2),
        base_url=emulator.url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )

    assert deliver(sessions, late) == DeliveryReport(sent=1)

    assert [c.response.get("error") for c in refreshes(emulator)] == [None, "invalid_refresh_token"]
    assert posts_by_token(emulator) == {rotated.bot_token: {"hello a1"}}


class SaveFailsOnce(InstallationStore):
    """The store, its database failing the first write (a full disk, a restart)."""

    def __init__(self, store: InstallationStore) -> None:
        self.store, self.failed = store, False

    def find_bot(self, **kwargs: Any) -> Bot | None:
        return self.store.find_bot(**kwargs)

    def save_bot(self, bot: Bot) -> None:
        if not self.failed:
            self.failed = True
            raise OperationalError("UPDATE slack_bots", {}, Exception("database or disk is full"))
        self.store.save_bot(bot)


def test_a_rotated_token_that_could_not_be_saved_is_kept_and_saved_on_its_next_use(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore
) -> None:
    host(emulator, TEAM_A, "UANNA0001")
    emulator.token_rotation = True
    emulator.token_lifetime = 60
    first = install(emulator, store, TEAM_A, "UANNA0001")
    emulator.token_lifetime = 12 * 60 * 60
    (anna,) = people(sessions, TEAM_A, "UANNA0001")
    queue(sessions, {"a1": anna})
    clients = Installed(
        SaveFailsOnce(store), base_url=emulator.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET
    )

    assert deliver(sessions, clients) == DeliveryReport(sent=1)
    stored = store.find_bot(enterprise_id=None, team_id=TEAM_A)
    assert stored is not None and stored.bot_token == first.bot_token  # not saved

    queue(sessions, {"a2": anna})
    assert deliver(sessions, clients, NOW + timedelta(minutes=1)) == DeliveryReport(sent=1)

    [refresh] = refreshes(emulator)  # the spent refresh token was not offered again
    new_token = refresh.response["access_token"]
    assert posts_by_token(emulator) == {new_token: {"hello a1", "hello a2"}}
    stored = store.find_bot(enterprise_id=None, team_id=TEAM_A)
    assert stored is not None and stored.bot_token == new_token
