"""The wheel holds the whole app and its migrations, and migrates a database from anywhere once installed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.store import migrations
from bot.store.base import Base

ROOT = Path(__file__).resolve().parents[2]
# What the wheel is built from is copied first: building in the checkout would leave build/ there, whose
# stale files setuptools would put in later wheels.
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "mutants",
    "tests",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".hypothesis",
    "*.db*",
)


def head_revision() -> str:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head() or ""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "src", ignore=SKIP)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "-w", str(work)],
        cwd=work / "src",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = work.glob("oneonone_bot-*.whl")
    return path


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
        return archive.read(path).decode()


def sources(folder: str) -> set[str]:
    """Every file of the folder: its modules, and any data file a module may read."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize("folder", ["bot", "emulator"])
def test_the_wheel_holds_every_module(names: set[str], folder: str) -> None:
    missing = sources(folder) - names
    assert missing == set(), "list their packages (data: package-data) in pyproject.toml's [tool.setuptools]"


def test_the_wheel_holds_the_migrations_as_a_package(names: set[str]) -> None:
    revisions = {
        f"oneonone_migrations/versions/{p.name}" for p in (ROOT / "migrations/versions").glob("*.py")
    }
    assert revisions, "the checkout has revisions"
    assert revisions <= names
    assert {"oneonone_migrations/env.py", "oneonone_migrations/script.py.mako"} <= names
    assert not any(name.startswith(("tests/", "migrations/")) for name in names)


def test_the_wheel_declares_its_licence_and_its_extras(wheel: Path, names: set[str]) -> None:
    fields = HeaderParser().parsestr(dist_info(wheel, "METADATA"))
    assert fields["License-Expression"] == "MIT"
    assert fields.get_all("License-File") == ["LICENSE"]
    assert dist_info(wheel, "licenses/LICENSE") == (ROOT / "LICENSE").read_text()
    assert {"postgres", "dev"} <= set(fields.get_all("Provides-Extra") or [])
    psycopg = [r for r in fields.get_all("Requires-Dist") or [] if r.startswith("psycopg")]
    assert psycopg and all('extra == "postgres"' in r for r in psycopg), "the driver is the extra's alone"
    assert "oneonone = bot.__main__:main" in dist_info(wheel, "entry_points.txt")


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("installed") / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return site


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A working directory with no alembic.ini, migrations/ or bot/ anywhere above it."""
    place = tmp_path / "elsewhere"
    place.mkdir()
    assert ROOT not in place.parents
    yield place


def run_installed(site: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # -S: no site-packages processing, so the editable install's import hook (which maps `bot` to the
    # checkout) is not there; the dependencies come from the venv's site-packages as a plain path entry.
    path = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_wheel_migrates_from_any_directory(installed: Path, outside: Path) -> None:
    database = outside / "fresh.db"
    migrated = run_installed(installed, outside, "-m", "bot", "migrate", DATABASE_URL=f"sqlite:///{database}")
    assert migrated.returncode == 0, migrated.stderr
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert version == head_revision()
    assert set(Base.metadata.tables) <= tables
    assert not (outside / "alembic.ini").exists()

    where = run_installed(
        installed,
        outside,
        "-c",
        "import bot, bot.store.migrations as m; print(bot.__file__); print(m.script_location())",
    )
    assert where.returncode == 0, where.stderr
    module, scripts = map(Path, where.stdout.split())
    assert module.is_relative_to(installed) and scripts.is_relative_to(installed), where.stdout
    assert scripts == installed / "oneonone_migrations"
