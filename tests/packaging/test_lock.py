"""pyproject.toml's ranges are capped, and constraints.txt pins every package they bring, inside them."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "constraints.txt"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SELF = canonicalize_name(PROJECT["name"])
LOCKED_EXTRAS = ("dev", "postgres")  # what `make lock` installs
RELOCK = "run `make lock`"


def requirements(*extras: str) -> list[Requirement]:
    """The project's own requirements and those of `extras`, a self-reference (dev → postgres) expanded."""
    found = [Requirement(text) for text in PROJECT["dependencies"]]
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in map(Requirement, PROJECT["optional-dependencies"][extra]):
            if canonicalize_name(requirement.name) == SELF:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def locked() -> dict[NormalizedName, Version]:
    pins: dict[NormalizedName, Version] = {}
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pin = Requirement(line)
        (spec,) = pin.specifier
        assert spec.operator == "==", f"constraints.txt: {line!r} is not an exact pin"
        pins[canonicalize_name(pin.name)] = Version(spec.version)
    return pins


def test_every_dependency_is_capped_below_its_next_major() -> None:
    # A tighter cap is fine where a project breaks within a major (SQLAlchemy's minors).
    every = requirements(*PROJECT["optional-dependencies"])
    uncapped = [str(r) for r in every if not any(s.operator in ("<", "==", "~=") for s in r.specifier)]
    assert uncapped == []


def test_the_postgres_driver_is_an_extra_that_dev_includes() -> None:
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    assert "psycopg" not in runtime
    assert "psycopg" in {canonicalize_name(r.name) for r in requirements("postgres")}
    assert "binary" in next(r for r in requirements("postgres") if r.name == "psycopg").extras
    assert "psycopg" in {canonicalize_name(r.name) for r in requirements("dev")}


def test_every_dependency_is_pinned_within_its_range() -> None:
    pins = locked()
    for requirement in requirements(*LOCKED_EXTRAS):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in constraints.txt: {RELOCK}"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's {requirement}: {RELOCK}"
        )


def test_the_lock_holds_exactly_what_a_fresh_install_brings() -> None:
    """Every package the dependencies pull in, and no leftover: the installed packages' own metadata."""
    wanted: set[NormalizedName] = set()
    pending = [(r, frozenset(r.extras)) for r in requirements(*LOCKED_EXTRAS)]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in wanted and not extras:
            continue
        wanted.add(name)
        for text in metadata.requires(requirement.name) or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras or {""}):
                pending.append((needed, frozenset(needed.extras)))
    pins = set(locked())
    assert sorted(wanted - pins) == [], f"installed but not pinned: {RELOCK}"
    assert sorted(pins - wanted) == [], f"pinned but no longer needed: {RELOCK}"


def test_make_installs_with_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^LOCK := constraints\.txt$", makefile, re.M)
    installs = [
        line for line in makefile.splitlines() if re.search(r"\$\(VENV\)/bin/pip install .*'\.\[", line)
    ]
    assert installs, "the Makefile installs the project"
    assert all("-c $(LOCK)" in line for line in installs), installs
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", makefile, re.M), "a new lock reinstalls .venv"
