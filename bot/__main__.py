"""`python -m bot [run|serve|clock|tick|migrate|demo]`: parse the command line, then hand over."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot import logs, processes
from bot.config import ConfigError, Settings

PROG = "oneonone"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()
    try:
        settings = Settings.from_env()
        return processes.start(args.command or "run", settings, at=getattr(args, "at", None))
    except ConfigError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


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
