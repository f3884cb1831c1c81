"""`python -m bot demo`: a week of 1:1s against the bundled Slack emulator, printed as a transcript.

It is also the quickest smoke test of an install: 0 when the week played as expected, else 1 and one
line on stderr saying what went wrong.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from bot.config import Settings

logger = logging.getLogger(__name__)


def play(settings: Settings, out: TextIO | None = None) -> int:
    """Play the week, printing the transcript to `out` (stdout). The operator's `settings` are not used:
    the demo makes its own tokens and temporary database, and never reaches a real Slack."""
    del settings
    out = out or sys.stdout
    started = time.monotonic()
    try:
        import emulator.web_api  # noqa: F401
    except ImportError as error:  # the emulator's own needs (websockets) are not the bot's
        missing = (error.name or "").split(".")[0]
        why = f"the package {missing!r} is not installed" if missing else str(error)
        return _failed(f"cannot start the bundled Slack emulator: {why}")
    from bot.demo.checks import DemoFailed
    from bot.demo.stage import stage
    from bot.demo.transcript import Transcript
    from bot.demo.week import MONDAY, Week

    try:
        with _quiet_logs(), stage(MONDAY) as running:
            Week(running, Transcript(out)).play()
    except DemoFailed as failure:
        return _failed(f"the week did not play as expected: {failure}")
    except Exception as error:  # a smoke test: whatever broke, one line says what
        logger.debug("the demo failed", exc_info=True)
        return _failed(f"the week broke off: {type(error).__name__}: {error}")
    print(f"\nThe week played as expected in {time.monotonic() - started:.1f} s.", file=out)
    return 0


def _failed(what: str) -> int:
    print(f"demo: {what}", file=sys.stderr)
    return 1


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The transcript is the output: the bot's INFO lines (a delivery pass per tick) would drown it.
    Warnings and errors still show."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        root.setLevel(level)
