"""Run Alembic from code: `python -m bot migrate`, `run`, and the tests all come through here.

The revisions ship inside the package as `oneonone_migrations` (the checkout's top-level migrations/,
mapped by pyproject.toml), so an installed wheel migrates from any directory without alembic.ini; the
checkout's alembic.ini serves only the `alembic` command line.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS_PACKAGE = "oneonone_migrations"


def script_location() -> Path:
    """The directory holding env.py and versions/, wherever the package was installed."""
    # migrations/ has no __init__.py: a namespace package. Python 3.11's importlib.resources.files() fails
    # on one under an editable install (its path holds the installer's placeholder entry, not a
    # directory), so take the first real directory of its path that has env.py.
    spec = find_spec(MIGRATIONS_PACKAGE)
    for place in (spec.submodule_search_locations or []) if spec else []:
        if (Path(place) / "env.py").is_file():
            return Path(place)
    raise RuntimeError(f"the {MIGRATIONS_PACKAGE} package is not installed: pip install the bot first")


def alembic_config(database_url: URL | str) -> Config:
    config = Config()
    # A main option goes through configparser's interpolation: a literal % is written %%.
    config.set_main_option("script_location", str(script_location()).replace("%", "%%"))
    config.attributes["database_url"] = (
        database_url.render_as_string(hide_password=False) if isinstance(database_url, URL) else database_url
    )
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: URL | str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: URL | str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
