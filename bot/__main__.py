"""`python -m bot [run|serve|clock|tick|migrate|demo]`: parse the command line, then hand over."""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from dotenv import load_dotenv
from dotenv.parser import parse_stream

from bot import logs, processes
from bot.config import ConfigError, Settings

PROG = "oneonone"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if problem := load_env_file(os.environ.get("ENV_FILE")):
        print(f"{PROG}: error: {problem}", file=sys.stderr)
        return 2
    logs.configure()
    try:
        settings = Settings.from_env()
        logs.configure(log_format=settings.log_format)  # text until the settings are read, then theirs
        return processes.start(args.command or "run", settings, at=getattr(args, "at", None))
    except ConfigError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def load_env_file(name: str | None) -> str | None:
    """Settings from an env file for what the real environment leaves unset: `name` (ENV_FILE), else
    `.env` in the current directory if there is one; "" reads none. A line python-dotenv cannot parse
    stops the start: it would skip it, and the setting on it would silently be missing. Returns the
    problem in one line, naming line numbers only (the file holds secrets), or None."""
    if name == "" or (name is None and not Path(".env").is_file()):
        return None
    path = Path(name or ".env")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return f"cannot read the settings file {path} (ENV_FILE): {error.strerror}"
    except UnicodeError:
        return f"the settings file {path} is not UTF-8 text"
    bad = [str(binding.original.line) for binding in parse_stream(io.StringIO(text)) if binding.error]
    if bad:
        lines = "lines " + ", ".join(bad) if len(bad) > 1 else "line " + bad[0]
        return f"{path} {lines}: not NAME=value (or a quote left open); nothing was started"
    load_dotenv(stream=io.StringIO(text), override=False)
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="A Slack app for recurring 1:1 meetings.")
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.add_parser("run", help="migrate, then serve Slack and run the clock in one process (default)")
    sub.add_parser("serve", help="serve Slack's HTTP requests only (production web process)")
    sub.add_parser("clock", help="run the scheduler only")
    tick = sub.add_parser("tick", help="do everything due at one instant, then exit")
    tick.add_argument("--at", type=_instant, help="ISO-8601 instant (default: now); naive means UTC")
    sub.add_parser("migrate", help="upgrade the database schema to the latest revision")
    sub.add_parser("demo", help="play a week of 1:1s against the bundled Slack emulator and print it")
    return parser


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 instant: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


if __name__ == "__main__":
    sys.exit(main())
