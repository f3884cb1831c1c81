"""Installations at rest (issue 16): tokens encrypted in our tables, readable after a key rotation, a token
no key opens treated as not installed; OAuth states single-use and signed. On the test database (SQLite,
or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, event, select

from bot.config import ConfigError
from bot.store.db import SessionFactory
from bot.store.installation_tables import bots, installations, oauth_states
from bot.store.installations import (
    EncryptedInstallationStore,
    SignedStateStore,
    TokenCipher,
    installed_workspaces,
)

CLIENT_ID = "111.222"
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
BOT_TOKEN = "xoxb-1-plain-bot-token"
REFRESH_TOKEN = "xoxe-1-plain-refresh-token"
TEAM, OTHER_TEAM, ORG = "T0A", "T0B", "E0A"


@pytest.fixture
def engine_clean(engine: Engine, sessions: SessionFactory) -> Engine:
    """The test database, emptied after the test (the `sessions` fixture does that)."""
    return engine


def store(engine: Engine, *keys: str) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(CLIENT_ID, engine, TokenCipher(keys or (OLD_KEY,)))


def installation(
    team_id: str | None = TEAM, token: str = BOT_TOKEN, enterprise_id: str | None = None, **extra: Any
) -> Installation:
    return Installation(
        app_id="A0001",
        enterprise_id=enterprise_id,
        team_id=team_id,
        team_name="Team " + str(team_id),
        bot_token=token,
        bot_refresh_token=REFRESH_TOKEN,
        bot_id="B0001",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        user_id="U0ADMIN",
        **extra,
    )


def raw_rows(engine: Engine) -> list[str]:
    """Every value of every stored installation and bot row, as text."""
    with engine.connect() as connection:
        rows = [*connection.execute(select(installations)), *connection.execute(select(bots))]
    return [str(value) for row in rows for value in row]


def test_the_database_holds_no_token_in_plain_text(engine_clean: Engine) -> None:
    store(engine_clean).save(installation())

    stored = raw_rows(engine_clean)
    assert stored, "nothing was stored"
    assert not [value for value in stored if "plain" in value]


def test_a_saved_bot_is_found_with_its_tokens(engine_clean: Engine) -> None:
    store(engine_clean).save(installation())

    bot = store(engine_clean).find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None
    assert (bot.bot_token, bot.bot_refresh_token, bot.bot_user_id) == (BOT_TOKEN, REFRESH_TOKEN, "U0BOT")
    found = store(engine_clean).find_installation(enterprise_id=None, team_id=TEAM)
    assert found is not None and found.bot_token == BOT_TOKEN
    assert store(engine_clean).find_bot(enterprise_id=None, team_id=OTHER_TEAM) is None


def test_after_a_key_rotation_old_tokens_still_read_and_new_ones_use_the_new_key(
    engine_clean: Engine,
) -> None:
    store(engine_clean, OLD_KEY).save(installation(TEAM, "xoxb-old-team"))
    rotated = store(engine_clean, NEW_KEY, OLD_KEY)
    rotated.save(installation(OTHER_TEAM, "xoxb-new-team"))

    assert rotated.find_bot(enterprise_id=None, team_id=TEAM).bot_token == "xoxb-old-team"  # type: ignore[union-attr]
    # Once the old key is dropped, only what was written with the new one reads.
    new_only = store(engine_clean, NEW_KEY)
    assert new_only.find_bot(enterprise_id=None, team_id=OTHER_TEAM).bot_token == "xoxb-new-team"  # type: ignore[union-attr]


def test_a_token_no_key_opens_is_not_installed_and_logged_without_the_token(
    engine_clean: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    store(engine_clean, OLD_KEY).save(installation())

    with caplog.at_level(logging.ERROR, logger="bot.store.installations"):
        found = store(engine_clean, NEW_KEY).find_bot(enterprise_id=None, team_id=TEAM)

    assert found is None
    assert [r for r in caplog.records if TEAM in r.getMessage() and "TOKEN_ENCRYPTION_KEY" in r.getMessage()]
    assert "plain" not in caplog.text and OLD_KEY not in caplog.text and NEW_KEY not in caplog.text


def test_an_org_wide_installation_serves_every_workspace_of_the_organisation(engine_clean: Engine) -> None:
    org_wide = installation(None, "xoxb-org", ORG, is_enterprise_install=True, enterprise_name="Acme")
    store(engine_clean).save(org_wide)

    for team in (TEAM, OTHER_TEAM):
        bot = store(engine_clean).find_bot(enterprise_id=ORG, team_id=team)
        assert bot is not None and bot.bot_token == "xoxb-org"
    assert store(engine_clean).find_bot(enterprise_id="E0OTHER", team_id=TEAM) is None
    assert store(engine_clean).find_bot(enterprise_id=None, team_id=TEAM) is None


def test_a_workspace_installed_in_an_organisation_is_not_the_whole_organisation(engine_clean: Engine) -> None:
    store(engine_clean).save(installation(TEAM, "xoxb-one-workspace", ORG))

    assert store(engine_clean).find_bot(enterprise_id=ORG, team_id=TEAM).bot_token == "xoxb-one-workspace"  # type: ignore[union-attr]
    assert store(engine_clean).find_bot(enterprise_id=ORG, team_id=OTHER_TEAM) is None


def test_deleting_a_workspace_removes_its_tokens_and_counts_the_rest(engine_clean: Engine) -> None:
    store(engine_clean).save(installation(TEAM))
    store(engine_clean).save(installation(OTHER_TEAM))
    assert installed_workspaces(engine_clean, CLIENT_ID) == 2

    store(engine_clean).delete_all(enterprise_id=None, team_id=TEAM)

    assert store(engine_clean).find_bot(enterprise_id=None, team_id=TEAM) is None
    assert store(engine_clean).find_installation(enterprise_id=None, team_id=TEAM) is None
    assert installed_workspaces(engine_clean, CLIENT_ID) == 1


@pytest.mark.parametrize("key", ["", "not-a-key", Fernet.generate_key().decode()[:-4]])
def test_a_malformed_key_is_a_config_error_that_says_how_to_make_one(key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        TokenCipher([OLD_KEY, key] if key else [])
    message = str(raised.value)
    assert "TOKEN_ENCRYPTION_KEY" in message and "Fernet.generate_key()" in message
    assert not key or key not in message


# ----------------------------------------------------------------------------------------------- OAuth states


@pytest.fixture
def states(engine_clean: Engine) -> SignedStateStore:
    return SignedStateStore("state-secret", engine_clean)


@pytest.fixture
def statements(engine_clean: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the test database while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine_clean, "before_cursor_execute", record)
    yield seen
    event.remove(engine_clean, "before_cursor_execute", record)


def test_a_state_is_consumed_once(states: SignedStateStore, engine_clean: Engine) -> None:
    state = states.issue()

    assert states.consume(state)
    assert not states.consume(state)
    with engine_clean.connect() as connection:
        assert connection.execute(select(oauth_states)).all() == []


def test_a_forged_or_altered_state_is_refused_before_the_database_is_asked(
    states: SignedStateStore, engine_clean: Engine, statements: list[str]
) -> None:
    state = states.issue()
    raw, _, signature = state.rpartition(".")
    altered = raw[:-1] + ("1" if raw.endswith("0") else "0")
    forged = SignedStateStore("another-secret", engine_clean).issue()
    statements.clear()

    for bad in (raw, f"{raw}.{signature[:-1]}x", f"{altered}.{signature}", forged, "", "."):
        assert not states.consume(bad), bad

    assert statements == []
    assert states.consume(state)  # the real one still works, once
