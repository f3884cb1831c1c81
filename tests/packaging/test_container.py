"""The Dockerfile and compose.yaml, read as Docker would, and built and run where a Docker engine is."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic.script import ScriptDirectory

from bot.__main__ import PROG, _parser
from bot.config import Settings
from bot.store import migrations

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), one list per FROM."""
    stages: list[list[Instruction]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.strip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return stages


STAGES = dockerfile_stages()
FINAL = STAGES[-1]


def final(keyword: str) -> list[str]:
    return [i.arguments for i in FINAL if i.keyword == keyword]


def head_revision() -> str:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head() or ""


def command_of(words: list[str]) -> str:
    """The `oneonone` subcommand a command line runs, as bot/__main__.py's parser reads it."""
    assert words[0] == PROG, f"{words}: not the {PROG} command"
    assert PYPROJECT["project"]["scripts"][PROG] == "bot.__main__:main"
    return _parser().parse_args(words[1:]).command


# The Dockerfile.


def test_every_stage_is_python_3_11_slim() -> None:
    assert [stage[0].arguments.split()[0] for stage in STAGES] == ["python:3.11-slim"] * len(STAGES)


def test_the_image_runs_as_a_user_it_creates_not_root() -> None:
    users = final("USER")
    assert users, "the final stage sets USER"
    assert users[-1] not in ("root", "0", "0:0")
    assert any("useradd" in run and users[-1] in run.split() for run in final("RUN"))
    # Nothing after the switch needs root: the process the image starts is the user's.
    keywords = [i.keyword for i in FINAL]
    assert keywords.index("CMD") > len(keywords) - 1 - keywords[::-1].index("USER")


def test_the_default_command_runs_everything_and_port_3000_is_exposed() -> None:
    (cmd,) = final("CMD")
    assert command_of(json.loads(cmd)) == "run"
    assert final("EXPOSE") == ["3000"]
    assert Settings.from_env({}).port == 3000  # the bot's default PORT is the exposed one


def test_the_wheel_is_installed_with_the_lock_and_the_postgres_extra() -> None:
    copied = {i.arguments.split()[0]: i.arguments.split()[-1] for i in FINAL if i.keyword == "COPY"}
    assert copied.get("constraints.txt"), "the lock is copied into the image"
    (install,) = [run for run in final("RUN") if "pip install" in run]
    words = shlex.split(install)
    flag = next(w for w in words if w in ("-c", "--constraint"))
    assert words[words.index(flag) + 1] == copied["constraints.txt"]
    assert any(w.endswith(".whl)[postgres]") for w in words), install  # the built wheel, with PostgreSQL
    build = STAGES[0]
    assert any("pip wheel" in i.arguments for i in build if i.keyword == "RUN")


def test_the_wheel_stage_copies_every_source_the_wheel_is_built_from() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    tops = {name.split(".")[0] for name in setuptools["packages"]}
    needed = {setuptools["package-dir"].get(top, top) for top in tops}
    needed |= {"pyproject.toml", PYPROJECT["project"]["readme"], *PYPROJECT["project"]["license-files"]}
    copied = {word for i in STAGES[0] if i.keyword == "COPY" for word in i.arguments.split()[:-1]}
    assert needed <= copied, needed - copied
    assert all((ROOT / path).exists() for path in copied)


def test_dockerignore_keeps_local_state_out_of_the_build() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "*.db", ".env", ".pytest_cache", "**/__pycache__"} <= ignored
    assert not ignored & {"bot", "emulator", "migrations", "pyproject.toml", "constraints.txt", "README.md"}


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_health_check_asks_healthz_on_port_and_fails_on_503(health_server: ThreadingHTTPServer) -> None:
    (healthcheck,) = final("HEALTHCHECK")
    words = shlex.split(healthcheck.partition(" CMD ")[2])
    assert words[0] == "python" and words[1] == "-c", "standard library only: slim has no curl"
    env = {**os.environ, "PORT": str(health_server.server_address[1])}

    def check() -> int:
        return subprocess.run(
            [sys.executable, *words[1:]], env=env, capture_output=True, timeout=10
        ).returncode

    _Health.status = 200
    assert check() == 0
    _Health.status = 503
    assert check() != 0


# compose.yaml.


def bot_services() -> dict[str, Any]:
    return {name: service for name, service in SERVICES.items() if name != "postgres"}


def processes(command: str) -> int:
    return sum(
        service.get("deploy", {}).get("replicas", 1)
        for service in bot_services().values()
        if command_of(service["command"]) == command
    )


def test_compose_runs_postgres_a_migration_two_web_processes_and_one_clock() -> None:
    assert set(SERVICES) == {"postgres", "migrate", "web", "clock"}
    assert command_of(SERVICES["migrate"]["command"]) == "migrate"
    assert processes("serve") == 2
    assert processes("clock") == 1
    assert processes("run") == 0  # `run` would start a clock in each web process


def test_the_bot_services_are_the_image_built_here() -> None:
    images = {service["image"] for service in bot_services().values()}
    assert len(images) == 1
    assert all(service["build"] == "." for service in bot_services().values())
    assert (ROOT / "Dockerfile").is_file()


def test_postgres_is_the_official_image_with_a_volume_and_a_readiness_check() -> None:
    postgres = SERVICES["postgres"]
    assert postgres["image"].split(":")[0] == "postgres"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    (volume,) = postgres["volumes"]
    name, target = volume.split(":")
    assert target == "/var/lib/postgresql/data"
    assert name in COMPOSE["volumes"]


def test_nothing_starts_before_the_database_is_ready_and_migrated() -> None:
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert SERVICES["migrate"]["restart"] == "no"  # one-shot
    for name in ("web", "clock"):
        assert SERVICES[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_every_bot_service_reaches_the_compose_postgres_through_a_postgres_url() -> None:
    postgres = SERVICES["postgres"]["environment"]
    for name, service in bot_services().items():
        text = service["environment"]["DATABASE_URL"]
        assert text.startswith("postgres://"), "the form Heroku and Fly hand out"
        url = Settings.from_env({"DATABASE_URL": text}).database()
        assert url.drivername == "postgresql+psycopg", name
        assert (url.host, url.port) == ("postgres", 5432)
        assert (url.username, url.password, url.database) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        )


def test_slack_settings_come_from_an_optional_env_file_and_web_publishes_the_port() -> None:
    for name, service in bot_services().items():
        assert service["env_file"] == [{"path": ".env", "required": False}], name
    ports = SERVICES["web"]["ports"]
    assert all(str(port).endswith(":3000") for port in ports)
    published = str(ports[0]).rsplit(":", 1)[0]
    first, _, last = published.partition("-")
    assert int(last or first) - int(first) + 1 == SERVICES["web"]["deploy"]["replicas"]


# With Docker: build the image, run it, let Compose read its file.


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=900, cwd=ROOT)


def _docker_absent(*args: str) -> str | None:
    """Why `docker <args>` can't be used here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    result = _docker(*args)
    if result.returncode != 0:
        first = (result.stderr.strip().splitlines() or ["?"])[0]
        return f"`docker {' '.join(args)}` failed: {first}"
    return None


def test_docker_compose_accepts_the_file() -> None:
    if reason := _docker_absent("compose", "version"):
        pytest.skip(reason)
    result = _docker("compose", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert set(config["services"]) == set(SERVICES)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    if reason := _docker_absent("info"):
        pytest.skip(reason)
    tag = "oneonone-bot:packaging-test"
    built = _docker("build", "--tag", tag, ".")
    assert built.returncode == 0, built.stderr[-4000:]
    yield tag
    _docker("image", "rm", "--force", tag)


def test_the_image_runs_as_its_user_and_migrates_sqlite_in_data(image: str) -> None:
    whoami = _docker("run", "--rm", image, "id", "-u")
    assert whoami.returncode == 0 and whoami.stdout.strip() not in ("", "0"), whoami
    version = "select version_num from alembic_version"
    read = f"import sqlite3; print(sqlite3.connect('oneonone.db').execute('{version}').fetchone()[0])"
    migrated = _docker("run", "--rm", image, "sh", "-c", f'oneonone migrate && python -c "{read}"')
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip().splitlines()[-1] == head_revision()
