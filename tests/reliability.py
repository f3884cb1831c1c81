"""`python -m tests.reliability`: run the reliability tests and print the figures they measured.

Forged and stale requests rejected, Slack retries recognised, faults injected and survived, messages
lost and duplicated (two ticks at once, a tick killed mid-batch, a lossy Slack), fuzz cases run.
Extra arguments go to pytest (e.g. `-x`); TEST_DATABASE_URL picks the database as for any run.
"""

from __future__ import annotations

import sys

import pytest

from tests.reliability_report import FIGURES


def main(argv: list[str]) -> int:
    code = pytest.main(["-q", "-m", "reliability", "-p", "no:cacheprovider", *argv])
    print("\nReliability report")
    width = max((len(name) for name in FIGURES), default=0)
    for name in sorted(FIGURES):
        print(f"  {name:<{width}}  {FIGURES[name]:>7,}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
