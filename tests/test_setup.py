"""Set-up as an operator meets it: every setting documented, settings from a `.env` file, HOST honoured.

The variables the code reads are found in bot/ by reading its source (os.environ, os.getenv, and the
`env` mapping Settings.from_env reads), so a setting added without a line in README.md's table and in
.env.example fails here, as does a documented one the code no longer reads.
"""

from __future__ import annotations

import ast
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
import yaml
from dotenv import dotenv_values

from bot.config import Settings
from bot.web import server_options
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.conftest import SIGNING_SECRET
from tests.test_manifest import schema_errors

REPO = Path(__file__).resolve().parents[1]
NAME = re.compile(r"[A-Z][A-Z0-9_]*")
# Read from the real environment only, to find the file: listing it in .env.example would do nothing.
NOT_IN_ENV_FILE = {"ENV_FILE"}
# What the tests' subprocesses must not inherit from the developer's environment or a .env file.
OURS = (
    "SLACK_",
    "DATABASE_",
    "PORT",
    "HOST",
    "WEB_",
    "ENV_FILE",
    "LOG_FORMAT",
    "PUBLIC_URL",
    "TOKEN_",
    "PROMETHEUS_",
)


def variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "bot").rglob("*.py"):
        found |= _variables_read(ast.parse(path.read_text(), str(path)))
    return found


def _variables_read(tree: ast.Module) -> set[str]:
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }

    def text(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    def is_environment(node: ast.AST) -> bool:
        # os.environ, or the `env` mapping Settings.from_env reads (os.environ unless a test passes one)
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "env"
        )

    names: list[str | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and is_environment(node.value):
            names.append(text(node.slice))
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("get", "pop", "setdefault")
            and is_environment(func.value)
        ):
            names.append(text(node.args[0]))
        if isinstance(func, ast.Attribute) and func.attr == "getenv":
            names.append(text(node.args[0]))
        # A helper handed the environment and a name: _whole(env, "UNINSTALL_RETENTION_DAYS", …)
        for given, following in zip(node.args, node.args[1:], strict=False):
            if is_environment(given):
                names.append(text(following))
    return {name for name in names if name is not None and NAME.fullmatch(name)}


def readme_table() -> set[str]:
    """The names in README.md's settings table (its first column; a row may name two)."""
    lines = (REPO / "README.md").read_text().splitlines()
    start = lines.index("| variable | meaning | default |")
    names: set[str] = set()
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def env_example_lines() -> list[str]:
    return (REPO / ".env.example").read_text().splitlines()


def env_example_names() -> dict[str, int]:
    """Each variable .env.example sets or shows commented out, with its line's index."""
    names: dict[str, int] = {}
    for index, line in enumerate(env_example_lines()):
        if match := re.fullmatch(r"#? ?([A-Z][A-Z0-9_]*)=.*", line):
            names[match[1]] = index
    return names


def test_every_variable_the_code_reads_is_in_the_readme_table() -> None:
    read = variables_read_by_the_code()
    assert {"SLACK_BOT_TOKEN", "HOST", "WEB_CONCURRENCY", "UNINSTALL_RETENTION_DAYS", "ENV_FILE"} <= read
    documented = readme_table()
    assert read - documented == set(), "read by bot/ but not in README.md's table"
    assert documented - read == set(), "in README.md's table but read nowhere in bot/"


def test_every_variable_is_in_env_example_with_a_comment() -> None:
    read = variables_read_by_the_code() - NOT_IN_ENV_FILE
    listed = env_example_names()
    assert read - listed.keys() == set(), "read by bot/ but not in .env.example"
    assert listed.keys() - read == set(), "in .env.example but read nowhere in bot/"
    lines = env_example_lines()
    for name, index in listed.items():
        above = index - 1
        while above in listed.values():  # settings that go together share one comment (WEB_THREADS)
            above -= 1
        assert lines[above].startswith("# ") and len(lines[above]) > 20, f"{name}: no comment above it"


def test_env_example_copied_as_it_is_sets_nothing_and_shows_the_real_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("WEB_CONCURRENCY", "WEB_THREADS"):  # server_options reads them from the environment
        monkeypatch.delenv(name, raising=False)
    example = REPO / ".env.example"
    values = {k: v or "" for k, v in dotenv_values(example).items()}
    assert Settings.from_env(values) == Settings.from_env({})
    # Every commented-out default, switched on, is the default the code has.
    shown = "\n".join(re.sub(r"^# ([A-Z][A-Z0-9_]*=)", r"\1", line) for line in env_example_lines())
    defaults = {k: v or "" for k, v in dotenv_values(stream=io.StringIO(shown)).items()}
    assert Settings.from_env(defaults) == Settings.from_env({})
    options = server_options(int(defaults["PORT"]), host=defaults["HOST"])
    assert (options["workers"], options["threads"]) == (
        int(defaults["WEB_CONCURRENCY"]),
        int(defaults["WEB_THREADS"]),
    )


@pytest.mark.parametrize(
    ("host", "bind"),
    [(None, "0.0.0.0:8080"), ("127.0.0.1", "127.0.0.1:8080"), (" ::1 ", "[::1]:8080")],
)
def test_host_is_where_the_server_binds(host: str | None, bind: str) -> None:
    settings = Settings.from_env({"PORT": "8080", **({"HOST": host} if host is not None else {})})
    assert server_options(settings.port, host=settings.host)["bind"] == bind


def test_the_readmes_socket_mode_edit_of_the_manifest_makes_a_valid_app_with_no_address_to_check() -> None:
    readme = " ".join((REPO / "README.md").read_text().split())  # as read, whatever the line breaks
    assert "`socket_mode_enabled: false` (near the end) becomes `socket_mode_enabled: true`" in readme
    assert "delete every line holding `https://bot.example.com`" in readme
    assert "together with the `redirect_urls:` line above it" in readme
    text = (REPO / "manifest.yml").read_text()
    assert text.count("socket_mode_enabled: false") == 1
    edited_text = "\n".join(
        line
        for line in text.replace("socket_mode_enabled: false", "socket_mode_enabled: true").splitlines()
        if "https://bot.example.com" not in line and line.strip() != "redirect_urls:"
    )
    edited, original = yaml.safe_load(edited_text), yaml.safe_load(text)
    assert schema_errors(edited) == []
    assert edited["settings"]["socket_mode_enabled"] is True
    assert "https://" not in edited_text, "no address left for Slack to check"
    # Everything else is the app as manifest.yml has it.
    for command in original["features"]["slash_commands"]:
        del command["url"]
    del original["settings"]["event_subscriptions"]["request_url"]
    del original["settings"]["interactivity"]["request_url"]
    original["oauth_config"].pop("redirect_urls", None)
    original["settings"]["socket_mode_enabled"] = True
    assert edited == original


# ------------------------------------------------------------------ `python -m bot` with a .env file


def clean_environment(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith(OURS)}, **extra}


def run_bot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.e2e
def test_settings_come_from_the_env_file_in_the_current_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# the operator's settings\nexport DATABASE_URL=sqlite:///from-dotenv.db\nLOG_FORMAT='json'\n"
    )
    result = run_bot("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-dotenv.db").exists()
    assert result.stderr.lstrip().startswith("{"), "LOG_FORMAT from .env applies to the logs"


@pytest.mark.e2e
def test_the_real_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\nLOG_FORMAT=json\n")
    result = run_bot("migrate", cwd=tmp_path, DATABASE_URL="sqlite:///from-environment.db", LOG_FORMAT="")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-environment.db").exists()
    assert not (tmp_path / "from-dotenv.db").exists()
    assert not result.stderr.lstrip().startswith("{"), "set empty, LOG_FORMAT is still the environment's"


@pytest.mark.e2e
def test_env_file_names_another_file_or_none(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATABASE_URL=sqlite:///from-dotenv.db\n")
    (tmp_path / "bot.env").write_text("DATABASE_URL=sqlite:///from-bot-env.db\n")
    assert run_bot("migrate", cwd=tmp_path, ENV_FILE=str(tmp_path / "bot.env")).returncode == 0
    assert (tmp_path / "from-bot-env.db").exists()
    assert run_bot("migrate", cwd=tmp_path, ENV_FILE="").returncode == 0
    assert (tmp_path / "oneonone.db").exists(), "ENV_FILE='' reads no file: the default database"
    assert not (tmp_path / "from-dotenv.db").exists()
    missing = run_bot("migrate", cwd=tmp_path, ENV_FILE=str(tmp_path / "missing.env"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"oneonone: error: cannot read the settings file {tmp_path / 'missing.env'} (ENV_FILE): "
        "No such file or directory"
    ]


@pytest.mark.e2e
def test_a_malformed_env_file_line_stops_the_start_naming_the_line_not_the_value(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-never-shown\n"
        "DATABASE_URL=sqlite:///from-dotenv.db\n"
        'SLACK_SIGNING_SECRET="secret-never-shown\n'  # the quote is never closed
    )
    result = run_bot("migrate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "oneonone: error: .env line 3: not NAME=value (or a quote left open); nothing was started"
    ]
    assert "never-shown" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == [tmp_path / ".env"], "nothing was migrated"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.e2e
def test_serve_with_its_settings_in_env_listens_where_host_says(
    tmp_path: Path, _emulator: SlackEmulator
) -> None:
    port = free_port()
    (tmp_path / ".env").write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET={SIGNING_SECRET}\n"
        f"SLACK_API_URL={_emulator.url}\nDATABASE_URL=sqlite:///bot.db\n"
        f"HOST=127.0.0.1\nPORT={port}\nWEB_CONCURRENCY=1\n"
    )
    assert run_bot("migrate", cwd=tmp_path).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=clean_environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Listening at:" in line:
                listening.set()
        listening.set()

    threading.Thread(target=read_log, daemon=True).start()
    try:
        assert listening.wait(60) and process.poll() is None, "".join(log)
        assert f"Listening at: http://127.0.0.1:{port} " in "".join(log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
