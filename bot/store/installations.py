"""Installations through Slack's OAuth flow (issue 16): slack-sdk's SQLAlchemy stores on our tables
(bot/store/installation_tables.py), with every token encrypted at rest and every OAuth state signed.

Tokens: Fernet (cryptography) with the keys of TOKEN_ENCRYPTION_KEY; the first encrypts, all decrypt, so
a new key is put first and the old one kept after it until every token has been written again (a
reinstall, a rotation). A stored token no key opens is logged (ids only) and treated as not installed.

States: slack-sdk's store keeps them single-use and expiring; ours also signs them with SLACK_STATE_SECRET,
so a forged or altered state is refused before the database is asked.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_, func, select

from bot.config import MAKE_A_KEY, ConfigError
from bot.store import installation_tables as tables

logger = logging.getLogger(__name__)

# The token fields slack-sdk's Installation and Bot carry; each is stored encrypted.
INSTALLATION_TOKENS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
BOT_TOKENS = ("bot_token", "bot_refresh_token")
STATE_EXPIRATION_SECONDS = 600  # Bolt's default: ten minutes from /slack/install to the redirect


class TokenCipher:
    """Encrypts with the first of `keys`, decrypts with any of them (cryptography's MultiFernet)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigError(f"TOKEN_ENCRYPTION_KEY is not set (make a key with: {MAKE_A_KEY})")
        fernets = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # Never the key itself in the message: it is a secret, even a malformed one.
                raise ConfigError(
                    f"TOKEN_ENCRYPTION_KEY: key {number} of {len(keys)} is not a Fernet key "
                    f"(32 url-safe base64-encoded bytes); make one with: {MAKE_A_KEY}"
                ) from None
        self._fernet = MultiFernet(fernets)

    def seal(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.encrypt(token.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The token; InvalidToken when no key opens it."""
        return None if sealed is None else self._fernet.decrypt(sealed.encode()).decode()


class EncryptedInstallationStore(InstallationStore):
    """slack-sdk's SQLAlchemyInstallationStore on our tables, seeing only encrypted tokens: what it is
    given is sealed on the way in, what it finds opened on the way out."""

    def __init__(self, client_id: str, engine: Engine, cipher: TokenCipher) -> None:
        self._cipher = cipher
        self._rows = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=logger)
        # Our tables (created by our migrations), not the copies slack-sdk declares on a metadata of its own.
        self._rows.installations = tables.installations
        self._rows.bots = tables.bots

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        # The store saves the installation's bot too (installation.to_bot()), from the sealed copy.
        self._rows.save(self._sealed(installation, INSTALLATION_TOKENS))

    def save_bot(self, bot: Bot) -> None:
        self._rows.save_bot(self._sealed(bot, BOT_TOKENS))

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = self._rows.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if bot is None and enterprise_id and team_id and not is_enterprise_install:
            # A workspace of a Grid organisation whose app was installed org-wide: the organisation's bot.
            bot = self._org_wide(self._rows.find_bot(enterprise_id=enterprise_id, team_id=None))
        return self._opened(bot, BOT_TOKENS)

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = self._rows.find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        if found is None and enterprise_id and team_id and not is_enterprise_install:
            found = self._org_wide(
                self._rows.find_installation(enterprise_id=enterprise_id, team_id=None, user_id=user_id)
            )
        return self._opened(found, INSTALLATION_TOKENS)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._rows.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self._rows.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def _sealed(self, record: Any, fields: Sequence[str]) -> Any:
        sealed = copy.copy(record)
        for field in fields:
            setattr(sealed, field, self._cipher.seal(getattr(record, field)))
        return sealed

    def _opened(self, record: Any, fields: Sequence[str]) -> Any:
        if record is None:
            return None
        for field in fields:
            try:
                setattr(record, field, self._cipher.open(getattr(record, field)))
            except InvalidToken:
                logger.error(
                    "cannot decrypt the stored %s of team %s (enterprise %s) with any TOKEN_ENCRYPTION_KEY "
                    "key: treated as not installed (put the old key back after the new one, or reinstall)",
                    field,
                    record.team_id,
                    record.enterprise_id,
                )
                return None
        return record

    @staticmethod
    def _org_wide(record: Any) -> Any:
        return record if record is not None and record.is_enterprise_install else None


class SignedStateStore(SQLAlchemyOAuthStateStore):
    """slack-sdk's SQLAlchemy OAuth state store on our table, its states signed (HMAC-SHA256) with the
    state secret: `state.signature` in the link; only the state part is stored."""

    def __init__(
        self, secret: str, engine: Engine, expiration_seconds: int = STATE_EXPIRATION_SECONDS
    ) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine, logger=logger)
        self.oauth_states = tables.oauth_states
        self._secret = secret.encode()

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = super().issue(*args, **kwargs)
        return f"{state}.{self._signature(state)}"

    def consume(self, state: str) -> bool:
        raw, _, signature = (state or "").rpartition(".")
        if not raw or not hmac.compare_digest(signature, self._signature(raw)):
            logger.warning("refused an OAuth state that is not signed with SLACK_STATE_SECRET")
            return False
        return bool(super().consume(raw))

    def _signature(self, state: str) -> str:
        digest = hmac.new(self._secret, state.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def installation_store(client_id: str, keys: Sequence[str], engine: Engine) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id, engine, TokenCipher(keys))


def installed_workspaces(engine: Engine, client_id: str) -> int:
    """How many workspaces (or organisations, installed org-wide) have a bot token stored."""
    c = tables.bots.c
    installed = (
        select(c.enterprise_id, c.team_id)
        .where(and_(c.client_id == client_id, c.bot_token.is_not(None)))
        .group_by(c.enterprise_id, c.team_id)
        .subquery()
    )
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(installed)) or 0)
