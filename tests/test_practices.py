"""README "What good 1:1s need": each of PRACTICES.md's twelve practices points at a test that exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRACTICES = 12  # the rows of ../shared/PRACTICES.md's table


def practice_rows() -> list[str]:
    section = (ROOT / "README.md").read_text().split("## What good 1:1s need", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return rows[2:]  # under the header and its rule


def named_tests(row: str) -> list[tuple[str, str]]:
    return re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", row)


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_each_of_the_twelve_practices_points_at_a_test_that_exists() -> None:
    rows = practice_rows()
    assert len(rows) == PRACTICES, rows
    for row in rows:
        named = named_tests(row)
        assert named, f"no test named for: {row[:80]}"
        for file, name in named:
            assert name in defined_tests(ROOT / file), f"{file}::{name} doesn't exist"
