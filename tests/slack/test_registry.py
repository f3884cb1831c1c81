"""The `/1on1` registry is the one place a subcommand is described: help and the README follow it."""

from __future__ import annotations

import re
from pathlib import Path

from bot.slack import subcommands
from bot.slack.text import escape

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_forms() -> list[str]:
    """The first column of the README's `/1on1` table: each subcommand's form, unescaped."""
    section = README.read_text().split("## The `/1on1` command", 1)[1].split("\n\n", 2)[1]
    return [match.replace("\\|", "|") for match in re.findall(r"^\| `((?:[^`]|\\`)+)`", section, re.M)]


def test_the_readme_lists_every_subcommand_in_the_registrys_own_words() -> None:
    assert readme_forms() == [row.usage for row in subcommands.SUBCOMMANDS]


def test_help_shows_every_other_row_with_its_usage_escaped_and_its_line() -> None:
    shown = str(subcommands.row("help").handle(None, None, None))  # type: ignore[arg-type]
    for row in subcommands.SUBCOMMANDS[1:]:
        assert f"`/1on1 {escape(row.usage)}`" in shown and row.help in shown
