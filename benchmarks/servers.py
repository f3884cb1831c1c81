"""The servers a benchmark measures: started as real processes, their workers, who holds which connection.

A server is a command that serves HTTP under gunicorn on $PORT (`python -m bot serve`,
benchmarks/bare_app.py); its log names the workers it boots. py-spy can profile them while a benchmark runs.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.load import tree_cpu_seconds

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    port: int
    log: list[str]
    database_url: str | None
    worker_pids: list[int] = field(default_factory=list)
    database_pid: int | None = None  # PostgreSQL's postmaster, whose backends do this server's queries

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(name: str, argv: list[str], env: dict[str, str], database_url: str | None) -> Server:
    port = free_port()
    process = subprocess.Popen(
        argv,
        cwd=REPO,
        env={**env, "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    server = Server(name, process, port, [], database_url)
    workers = int(env["WEB_CONCURRENCY"])
    booted = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.log.append(line)
            found = re.search(r"Booting worker with pid: (\d+)", line)
            if found:
                server.worker_pids.append(int(found.group(1)))
                if len(server.worker_pids) >= workers:
                    booted.set()
        booted.set()

    threading.Thread(target=read_log, daemon=True).start()
    if not booted.wait(60) or process.poll() is not None:
        raise SystemExit(f"{name} did not start:\n{''.join(server.log)}")
    return server


def start_profilers(server: Server, directory: Path, label: str) -> list[subprocess.Popen[bytes]]:
    """py-spy (from PyPI) sampling each worker of `server`, collapsed stacks into `directory`."""
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    directory.mkdir(parents=True, exist_ok=True)
    profilers = []
    for pid in server.worker_pids:
        output = directory / f"{label}-{pid}.txt"
        command = [binary, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "-o", str(output)]
        profilers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(0.5)  # py-spy attaches (kept short: gunicorn closes connections idle for 2 s)
    return profilers


def stop_profilers(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        profiler.wait(30)


def listening_pid(port: int) -> int | None:
    out = subprocess.run(["ss", "-ltnpH", f"( sport = :{port} )"], capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", out)
    return int(found.group(1)) if found else None


def connections_by_worker(server: Server, local_ports: Sequence[int]) -> dict[int, int]:
    """Which worker process accepted each of the generator's connections (from `ss`)."""
    ports = set(local_ports)
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{server.port} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    counts: Counter[int] = Counter()
    for line in out.splitlines():
        parts = line.split()
        peer_port = int(parts[3].rsplit(":", 1)[1])
        owner = re.search(r"pid=(\d+)", line)
        if peer_port in ports and owner:
            counts[int(owner.group(1))] += 1
    return dict(counts)
