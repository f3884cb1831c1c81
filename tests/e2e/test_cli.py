"""`python -m bot …` as a real process: clear one-line errors, migrate, tick."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.store.db import make_engine

pytestmark = pytest.mark.e2e


def run_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_run_without_a_token_says_what_is_missing(tmp_path: Path) -> None:
    assert_one_clear_line(run_bot("run", env={}, cwd=tmp_path), "SLACK_BOT_TOKEN is not set")
    assert not (tmp_path / "oneonone.db").exists()


def test_serve_without_signing_secret(tmp_path: Path) -> None:
    result = run_bot("serve", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert_one_clear_line(result, "SLACK_SIGNING_SECRET is not set")


def test_bad_database_urls(tmp_path: Path) -> None:
    assert_one_clear_line(run_bot("migrate", env={"DATABASE_URL": "nonsense"}, cwd=tmp_path), "DATABASE_URL")
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    result = run_bot("tick", env={"DATABASE_URL": unreachable}, cwd=tmp_path)
    assert_one_clear_line(result, "cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_migrate_creates_the_schema_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    result = run_bot("migrate", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'oneonone.db'}")
    try:
        assert {"workspace", "person", "pair", "series", "meeting", "topic", "action_item", "note"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()


def test_tick_parses_its_instant_and_exits_cleanly(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'tick.db'}"}
    assert run_bot("migrate", env=env, cwd=tmp_path).returncode == 0
    result = run_bot("tick", "--at", "2026-12-01T10:00:00+01:00", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tick at 2026-12-01T09:00:00+00:00: 0 meetings materialised, 0 messages queued" in result.stdout
    assert "not delivering: SLACK_BOT_TOKEN is not set" in result.stdout
    bad = run_bot("tick", "--at", "yesterday-ish", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "not an ISO-8601 instant" in bad.stderr
