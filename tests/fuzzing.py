"""How far the property tests explore: each test's usual number of examples, times `FUZZ_SCALE`.

`make test` and CI run them at scale 1 (CI also derandomized: the same examples every run). The longer
run with new random seeds, `scripts/fuzz-long`, sets a larger scale.
"""

from __future__ import annotations

import os

SCALE = max(1, int(os.environ.get("FUZZ_SCALE") or "1"))


def examples(usual: int) -> int:
    """The number of examples a property test tries: `usual`, scaled for a long run."""
    return usual * SCALE
