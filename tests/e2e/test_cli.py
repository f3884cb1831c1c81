"""`python -m bot …` as a real process: clear one-line errors, migrate, tick."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.services import series
from bot.services.pairs import Actor
from bot.store import migrations
from bot.store.db import make_engine, make_session_factory
from emulator.web_api import BOT_TOKEN, SlackEmulator

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


def test_run_with_an_app_token_slack_refuses(tmp_path: Path, _emulator: SlackEmulator) -> None:
    """Socket Mode: the app-level token is checked once at start-up, like the bot token."""
    _emulator.reset()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": "xapp-1-revoked-or-mistyped",
        "SLACK_API_URL": _emulator.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }
    result = run_bot("run", env=env, cwd=tmp_path)
    assert_one_clear_line(result, "Slack rejected SLACK_APP_TOKEN: invalid_auth")
    assert [c.response.get("error") for c in _emulator.calls("apps.connections.open")] == ["invalid_auth"]


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


def test_tick_delivers_due_prompts_through_slack_once(tmp_path: Path, _emulator: SlackEmulator) -> None:
    """The operator's view: `tick --at` queues and sends what is due; run again, it sends nothing."""
    _emulator.reset()
    for user_id, zone in (("UALICE01", "America/New_York"), ("UBOB0001", "Europe/Berlin")):
        _emulator.add_user(user_id, tz=zone)
    url = f"sqlite:///{tmp_path / 'tick.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    request = series.ScheduleRequest("UBOB0001", "weekly", 1, time(10))
    series.schedule(
        make_session_factory(engine), now, Actor("T0001", "UALICE01"), request, "America/New_York"
    )
    engine.dispose()
    env = {"DATABASE_URL": url, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": _emulator.url}
    first = run_bot("tick", "--at", now.isoformat(), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 messages queued" in first.stdout and "delivered: 3 sent" in first.stdout  # 2 prompts, 1 notice
    again = run_bot("tick", "--at", now.isoformat(), env=env, cwd=tmp_path)
    assert "0 messages queued" in again.stdout and "delivered: 0 sent" in again.stdout
    prompts = [c for c in _emulator.calls("chat.postMessage") if "add your topics" in c.args.get("text", "")]
    assert len(prompts) == 2
