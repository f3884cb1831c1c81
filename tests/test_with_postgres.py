"""scripts/with-postgres finds a PostgreSQL server wherever Linux and macOS put one, and fails loudly without.

Each run gets a sandbox: a PATH of only the few tools the script needs, a fake filesystem root for the
usual places (WITH_POSTGRES_ROOT), and fake server binaries (initdb, pg_ctl, postgres, createdb) that
record how they were called. So no real server is touched, apt is never run, and what the developer's
machine has installed does not matter.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "with-postgres"
BASH = shutil.which("bash") or "/bin/bash"
SH = shutil.which("sh") or "/bin/sh"
# What the script runs besides the server (bash itself is called by path).
TOOLS = ("sort", "mktemp", "rm", "cat", "id", "chown", "runuser", "sudo", "useradd")
SERVER_TOOLS = ("initdb", "pg_ctl", "postgres", "createdb")
AS_ROOT = os.geteuid() == 0
LOUD = "*** PostgreSQL tests NOT run:"


@dataclass
class Run:
    returncode: int
    stderr: str
    seen: str | None  # "TEST_DATABASE_URL|PG_BINDIR" as the command saw them; None: it never ran
    calls: list[str]  # "<tool> <user> <args>" for each fake server binary run


class Sandbox:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"  # the fake filesystem root for the usual places
        self.root.mkdir()
        self.tools = base / "tools"
        self.tools.mkdir()
        for tool in TOOLS:
            if found := shutil.which(tool):
                (self.tools / tool).symlink_to(found)
        # The interpreter itself, not a wrapper (a pyenv shim is a bash script): the free port needs no more.
        (self.tools / "python3").symlink_to(Path(sys.executable).resolve())
        self.calls = base / "calls"
        self.calls.touch()
        self.calls.chmod(0o666)  # as root, the fakes run as the postgres user

    def server(self, where: str, version: str = "16.2", *, tools: tuple[str, ...] = SERVER_TOOLS) -> Path:
        """Fake server binaries in `where` (absolute: under the fake root; else under the sandbox)."""
        bindir = self.root / where.lstrip("/") if where.startswith("/") else self.base / where
        bindir.mkdir(parents=True, exist_ok=True)
        for tool in tools:
            answer = (
                f'echo "postgres (PostgreSQL) {version} (Fake {version}-1)"' if tool == "postgres" else ""
            )
            _script(
                bindir / tool, f'echo "{tool} $({shutil.which("id")} -un) $*" >> {self.calls}\n{answer}\n'
            )
        return bindir

    def pg_config(self, bindir: Path) -> Path:
        """A directory holding a pg_config that reports `bindir`, for PATH."""
        where = self.base / "pg_config"
        where.mkdir(exist_ok=True)
        _script(where / "pg_config", f'[ "$1" = --bindir ] && echo "{bindir}"\n')
        return where

    def run(
        self, *path: Path, command: str = 'echo "$TEST_DATABASE_URL|$PG_BINDIR" > seen', **env: str
    ) -> Run:
        seen = self.base / "seen"
        seen.unlink(missing_ok=True)
        self.calls.write_text("")
        done = subprocess.run(
            [BASH, str(SCRIPT), SH, "-c", command],
            cwd=self.base,
            env={
                "PATH": os.pathsep.join(map(str, [*path, self.tools])),
                "WITH_POSTGRES_ROOT": str(self.root),
                **env,
            },
            capture_output=True,
            text=True,
            timeout=30,
        )
        return Run(
            done.returncode,
            done.stderr,
            seen.read_text().strip() if seen.exists() else None,
            self.calls.read_text().splitlines(),
        )


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # Not pytest's tmp_path: as root the fakes run as the postgres user, who cannot enter it (mode 700).
    base = Path(tempfile.mkdtemp(prefix="with-postgres-test-"))
    base.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    try:
        yield Sandbox(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def assert_served_from(run: Run, bindir: Path) -> None:
    """The command ran against a server of `bindir`'s binaries, which was started and stopped again."""
    assert run.returncode == 0, run.stderr
    assert run.seen is not None, run.stderr
    url, seen_bindir = run.seen.split("|")
    port = re.fullmatch(r"postgresql\+psycopg://postgres@127\.0\.0\.1:(\d+)/oneonone_test", url)
    assert port, url
    assert seen_bindir == str(bindir)
    owner = "postgres" if AS_ROOT else _me()
    [initdb, start, createdb, version, stop] = run.calls
    assert initdb.startswith(f"initdb {owner} -D /tmp/oneonone-pg.") and initdb.endswith(
        "--auth=trust -U postgres"
    )
    assert f"-p {port[1]} " in start and start.endswith(" start") and start.startswith(f"pg_ctl {owner} ")
    assert createdb == f"createdb {owner} -h 127.0.0.1 -p {port[1]} -U postgres oneonone_test"
    assert version.startswith("postgres ") and version.endswith(" --version")
    assert stop.startswith(f"pg_ctl {owner} -D /tmp/oneonone-pg.") and stop.endswith("-m immediate stop")
    workdir = initdb.split()[3].removesuffix("/data")
    assert not Path(workdir).exists(), "the throwaway directory is removed"
    assert f"PostgreSQL 16.2 ({bindir}) on port {port[1]}" in run.stderr


def _me() -> str:
    return subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.parametrize(
    ("place", "older"),
    [
        ("/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/9.6/bin"),  # Debian, Ubuntu
        ("/usr/pgsql-16/bin", "/usr/pgsql-13/bin"),  # PGDG on RHEL, Rocky, Fedora
        ("/opt/homebrew/opt/postgresql@16/bin", "/opt/homebrew/opt/postgresql@14/bin"),  # Apple silicon
        ("/usr/local/opt/postgresql@16/bin", "/usr/local/opt/postgresql/bin"),  # Homebrew on Intel
        (
            "/Applications/Postgres.app/Contents/Versions/16/bin",
            "/Applications/Postgres.app/Contents/Versions/latest/bin",
        ),
    ],
)
def test_a_server_in_a_usual_place_is_found_newest_version_first(
    sandbox: Sandbox, place: str, older: str
) -> None:
    sandbox.server(older, "13.1")
    newest = sandbox.server(place)
    assert_served_from(sandbox.run(), newest)


def test_pg_config_bindir_is_used(sandbox: Sandbox) -> None:
    sandbox.server("/usr/lib/postgresql/17/bin", "17.0")  # a usual place comes after pg_config
    bindir = sandbox.server("custom/bin")
    assert_served_from(sandbox.run(sandbox.pg_config(bindir)), bindir)


def test_initdb_on_path_is_used(sandbox: Sandbox) -> None:
    sandbox.server("/usr/lib/postgresql/17/bin", "17.0")
    bindir = sandbox.server("on-path")
    assert_served_from(sandbox.run(bindir), bindir)


def test_a_directory_without_the_whole_server_is_passed_over(sandbox: Sandbox) -> None:
    # Debian's /usr/local/bin may link initdb, pg_ctl and postgres but not createdb.
    partial = sandbox.server("links", tools=("initdb", "pg_ctl", "postgres"))
    whole = sandbox.server("/usr/lib/postgresql/16/bin")
    assert_served_from(sandbox.run(partial), whole)


def test_pg_bindir_overrides_every_other_place(sandbox: Sandbox) -> None:
    sandbox.server("/usr/lib/postgresql/17/bin", "17.0")
    elsewhere = sandbox.server("elsewhere", "17.0")
    chosen = sandbox.server("chosen")
    assert_served_from(sandbox.run(sandbox.pg_config(elsewhere), PG_BINDIR=str(chosen)), chosen)


def test_a_wrong_pg_bindir_fails_loudly_even_when_a_server_is_elsewhere(sandbox: Sandbox) -> None:
    sandbox.server("/usr/lib/postgresql/16/bin")
    run = sandbox.run(PG_BINDIR=str(sandbox.base / "missing"))
    assert run.returncode != 0
    assert f"{LOUD} PG_BINDIR={sandbox.base / 'missing'} does not hold initdb" in run.stderr
    assert run.seen is None and run.calls == []


def test_no_server_anywhere_fails_loudly_naming_where_it_looked(sandbox: Sandbox) -> None:
    run = sandbox.run()
    assert run.returncode != 0
    assert LOUD in run.stderr
    for looked_in in ("pg_config --bindir", "PATH", "/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin",
                      "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin",
                      "/Applications/Postgres.app/Contents/Versions/*/bin", "PG_BINDIR"):  # fmt: skip
        assert looked_in in run.stderr
    assert run.seen is None and run.calls == []


def test_the_commands_exit_status_is_kept_and_the_server_stopped(sandbox: Sandbox) -> None:
    sandbox.server("/usr/lib/postgresql/16/bin")
    run = sandbox.run(command="exit 3")
    assert run.returncode == 3
    assert [call.split()[0] for call in run.calls] == ["initdb", "pg_ctl", "createdb", "postgres", "pg_ctl"]
    assert run.calls[-1].endswith("-m immediate stop")


def test_on_debian_the_server_is_installed_from_apt_only_as_root(sandbox: Sandbox) -> None:
    (sandbox.root / "etc").mkdir()
    (sandbox.root / "etc" / "debian_version").write_text("12.8\n")
    staged = sandbox.server("staged")
    installed = sandbox.root / "usr" / "lib" / "postgresql" / "16" / "bin"
    apt = sandbox.base / "apt"
    apt.mkdir()
    # The fake apt-get records its arguments and "installs" the staged binaries where Debian puts them.
    _script(
        apt / "apt-get",
        f'echo "apt-get $*" >> {sandbox.calls}\n'
        f'[ "$1" = install ] && {shutil.which("mkdir")} -p {installed.parent} && '
        f"{shutil.which('mv')} {staged} {installed}\nexit 0\n",
    )
    run = sandbox.run(apt)
    if AS_ROOT:
        assert run.calls[:2] == ["apt-get update -qq", "apt-get install -y -qq postgresql"]
        run.calls[:2] = []
        assert_served_from(run, installed)
    else:
        assert run.returncode != 0
        assert f"{LOUD} no PostgreSQL server found" in run.stderr
        assert "sudo apt-get install postgresql" in run.stderr
        assert run.calls == []
