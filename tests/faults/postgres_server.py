"""A PostgreSQL server of a test's own, to stop, start, freeze and thaw (the suite's shared one must stay up).

Uses the server binaries `scripts/with-postgres` installs (Debian's `postgresql` package); `available()`
says why not when they are missing, for a skip with a reason. As root the cluster belongs to the
`postgres` user, as initdb requires.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path | None:
    # scripts/with-postgres exports the binaries it found (any Linux, macOS); else Debian's place.
    if given := os.environ.get("PG_BINDIR"):
        return Path(given) if Path(given, "initdb").exists() else None
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()],
    )
    return Path(found[-1]) if found and Path(found[-1], "initdb").exists() else None


def unavailable() -> str | None:
    """Why a server of the test's own cannot run here (None when it can)."""
    if _bindir() is None:
        return "no PostgreSQL server binaries (scripts/with-postgres installs them for the PostgreSQL run)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: initdb refuses root"
    return None


class PostgresServer:
    """initdb'd in a temporary directory, on a free port; `url` reaches its `oneonone` database."""

    def __init__(self) -> None:
        bindir = _bindir()
        assert bindir is not None, unavailable()
        self._bin = bindir
        self._dir = Path(tempfile.mkdtemp(prefix="oneonone-pg-fault-"))
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            if subprocess.run(["id", "postgres"], check=False, capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
            shutil.chown(self._dir, "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]
        self.port = _free_port()
        self._run("initdb", "-D", str(self._dir / "data"), "--auth=trust", "-U", "postgres")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "oneonone")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/oneonone"

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._dir} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self._dir / "data"),
            "-l",
            str(self._dir / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def start_if_stopped(self) -> None:
        status = [*self._as_owner, str(self._bin / "pg_ctl"), "-D", str(self._dir / "data"), "status"]
        if subprocess.run(status, check=False, capture_output=True).returncode != 0:
            self.start()

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self._dir / "data"), "-m", "fast", "-w", "stop")

    def freeze(self) -> None:
        """Every server process stops where it is (SIGSTOP): connections stay open, nothing answers."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, signum: signal.Signals) -> None:
        for pid in self._processes():
            # A backend whose client went away exits between the listing and the signal.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def remove(self) -> None:
        self.thaw()
        subprocess.run(
            [
                *self._as_owner,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self._dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self._dir, ignore_errors=True)

    def _processes(self) -> list[int]:
        """The postmaster and its children, from the pid file and /proc."""
        postmaster = int((self._dir / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(Path(stat).parent.name))
        return [postmaster, *children]

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([*self._as_owner, str(self._bin / program), *args], check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
