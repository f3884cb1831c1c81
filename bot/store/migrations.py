"""Run Alembic from code: `python -m bot migrate`, `run`, and the tests all come through here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

REPO_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: URL | str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["database_url"] = (
        database_url.render_as_string(hide_password=False) if isinstance(database_url, URL) else database_url
    )
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: URL | str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: URL | str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
