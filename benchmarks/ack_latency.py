"""Acknowledgement latency of `/1on1 add-topic` and `/1on1 agenda` under `python -m bot serve`.

The bot is served exactly as in production (gunicorn gthread, bot/web.py's `server_options`, the
workers and threads from WEB_CONCURRENCY / WEB_THREADS or their defaults), on SQLite and, with
`--postgres`, on PostgreSQL; in the same run the same signed requests go to a bare slack-bolt app
(benchmarks/bare_app.py) served the same way, which verifies the signature and acks, nothing more.

    .venv/bin/python benchmarks/ack_latency.py                                    # bare + SQLite
    scripts/with-postgres .venv/bin/python benchmarks/ack_latency.py --postgres   # bare + SQLite + PostgreSQL

How it measures (benchmarks/README.md, "Acknowledgement latency", says more):

* A Slack Web API emulator (tests/slack_emulator.py) runs in this process for auth.test and users.info.
* Each database is fresh: a new SQLite file, or a new database on the PostgreSQL server of
  TEST_DATABASE_URL, migrated, then seeded through the services: `--pairs` 1:1s (a manager and a
  report each, one weekly or biweekly series per pair through `bot.services.series.schedule`, two
  topics, an action item and a private note), every person's time zone cached as after their first
  command. So add-topic attaches to a real meeting and agenda renders a real agenda.
* The load generator is a separate process (multiprocessing, spawned): one non-blocking keep-alive
  socket per client, closed loop (a client sends its next request when the answer to the last one
  has arrived), all driven by one `selectors` loop. Requests are pre-built and pre-signed when a
  level starts (each its own trigger_id, a timestamp well inside Slack's five minutes): a random
  mix, half add-topic (naming the other person), half agenda, over all pairs; the bare app gets the
  same mix. Clients connect one by one under load (`--connect-every-ms`), and filler requests keep
  the server busy until the timed ones start (`_Load`).
* Every server is warmed up first (each worker: imports, auth.test, connection pools, SQLAlchemy's
  statement cache); then each level runs a fixed number of timed requests, target after target
  (bare, SQLite, PostgreSQL), so that a change in the machine hits all alike. Before each run it
  waits (`--quiet-wait`) until other programs leave the CPUs nearly idle, and says how busy they were.
* Latency: from the first byte sent to the last byte of the answer. CPU per request, from /proc:
  the server's processes, PostgreSQL's, the generator's own, and whatever else ran meanwhile
  ("others", which should be ~0). Two cores can give 2000 ms of CPU a second, so throughput is at
  most 2000 / (CPU ms per request); N closed-loop clients then wait N / throughput on average
  (Little's law), and what is above the one-client latency is queueing.
* Every answer is checked (status 200 and the expected reply text; an empty ack from the bare app),
  and afterwards the database must hold exactly the topics that were acknowledged.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import random
import re
import resource
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIGNING_SECRET = "benchmark-signing-secret"
KINDS = ("add-topic", "agenda")
# What each kind's answer must contain (the bare app answers an empty ack).
EXPECTED = {"add-topic": b"Added to the agenda of your 1:1", "agenda": b"Your next 1:1 with"}
ZONES = ("America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Europe/London")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A run during which other programs kept more than this many cores busy on average is run again.
DISTURBED_CORES = 0.1


# --------------------------------------------------------------------------- the load generator
# Runs in its own process. Kept free of the bot's imports: it only needs to sign and send.


@dataclass
class _Client:
    sock: socket.socket
    started: int = 0  # perf_counter_ns when the request in flight was sent
    buf: bytearray = field(default_factory=bytearray)


_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CONNECTION_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)


def _build_requests(spec: dict[str, Any], count: int) -> list[tuple[int, bytes]]:
    from tests.signing import new_trigger_id, sign, slash_command_body

    rng = random.Random(spec["seed"])
    pairs: list[tuple[str, str]] = spec["pairs"]
    host = f"127.0.0.1:{spec['port']}"
    timestamp = int(time.time())
    requests = []
    for i in range(count):
        manager, report = rng.choice(pairs)
        me, other = (manager, report) if rng.random() < 0.5 else (report, manager)
        kind = 0 if rng.random() < 0.5 else 1
        if kind == 0:
            text = f"add-topic <@{other}|{other.lower()}> Topic {spec['seed']}-{i}: roadmap and hiring plan"
        else:
            text = "agenda"
        body, content_type = slash_command_body(text, me, trigger_id=new_trigger_id())
        headers = {"Content-Type": content_type, **sign(body, spec["secret"], timestamp)}
        head = f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append((kind, head.encode() + b"\r\n" + body))
    return requests


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def _parse(buf: bytearray) -> tuple[int, bytes, bool] | None:
    """(status, body, server closes) once a whole response is in `buf`; None while it is not."""
    end = buf.find(_HEAD_END)
    if end < 0:
        return None
    head = bytes(buf[:end])
    length = _CONTENT_LENGTH.search(head)
    if length is None:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    need = end + 4 + int(length.group(1))
    if len(buf) < need:
        return None
    return int(head[9:12]), bytes(buf[end + 4 : need]), _CONNECTION_CLOSE.search(head) is not None


@dataclass
class _Tally:
    latencies: list[list[int]] = field(default_factory=lambda: [[] for _ in KINDS])  # ns, by kind
    ok: list[int] = field(default_factory=lambda: [0 for _ in KINDS])
    bad: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)


class _Load:
    """Closed-loop clients on keep-alive connections, all driven by one selector loop.

    The clients join one by one, `every_s` apart, each sending as soon as it is connected, so every
    connection is accepted while the workers are busy, as when traffic grows in practice (opened all
    at once against idle workers, nearly all land on whichever worker wakes first). Until the
    measurement starts, and once all are connected, the clients keep the server busy with filler
    requests: the measured requests then meet a server in its steady state, connections that
    gunicorn would close after two idle seconds stay in use, and the filler's answers are checked
    like the rest but not timed.
    """

    def __init__(self, port: int, expected: list[bytes | None], pipe: Any) -> None:
        self.port = port
        self.expected = expected
        self.pipe = pipe
        self.selector = selectors.DefaultSelector()
        self.selector.register(pipe.fileno(), selectors.EVENT_READ, None)
        self.clients: list[_Client] = []
        self.reconnects: Counter[str] = Counter()  # why: "idle close", "close in flight", "told to close"
        self.filler, self.timed = _Tally(), _Tally()
        self.wall_s = self.cpu_s = 0.0

    def _open(self) -> _Client:
        client = _Client(_connect(self.port))
        self.selector.register(client.sock, selectors.EVENT_READ, client)
        self.clients.append(client)
        return client

    def _reconnect(self, client: _Client, why: str) -> None:
        self.reconnects[why] += 1
        self.selector.unregister(client.sock)
        client.sock.close()
        client.sock = _connect(self.port)
        self.selector.register(client.sock, selectors.EVENT_READ, client)

    def run(
        self, filler: list[tuple[int, bytes]], measured: list[tuple[int, bytes]], clients: int, every_s: float
    ) -> None:
        """Open `clients` under filler load, say "ready"; on "go" time `measured` until all are answered."""
        queues = {False: iter(filler), True: iter(measured)}
        in_flight: dict[int, tuple[bool, int, bytes]] = {}  # client id -> (timed, kind, request)
        answered = 0
        measuring = ready = False
        next_open = time.perf_counter()
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        started = 0

        def send(client: _Client) -> None:
            request = next(queues[measuring], None)
            if request is None:
                return
            in_flight[id(client)] = (measuring, *request)
            client.buf.clear()
            client.started = time.perf_counter_ns()
            client.sock.sendall(request[1])

        while not measuring or answered < len(measured):
            timeout: float | None = None
            if len(self.clients) < clients:
                now = time.perf_counter()
                if now >= next_open:
                    next_open = now + every_s
                    send(self._open())
                timeout = max(0.0, next_open - time.perf_counter()) if len(self.clients) < clients else 0.0
            elif not ready:
                ready = True
                self.pipe.send(("ready", self.filler.ok[0], dict(self.filler.bad), self.filler.samples))
            for key, _ in self.selector.select(timeout):
                client = key.data
                if client is None:  # the pipe: "go"
                    self.selector.unregister(self.pipe.fileno())
                    assert self.pipe.recv() == "go"
                    measuring = True
                    usage_before = resource.getrusage(resource.RUSAGE_SELF)
                    started = time.perf_counter_ns()
                    for idle in self.clients:
                        if id(idle) not in in_flight:
                            send(idle)
                    continue
                data = client.sock.recv(65536)
                if not data:  # closed by the server (idle, or before answering: then send it again)
                    flight = in_flight.get(id(client))
                    self._reconnect(client, "close in flight" if flight else "idle close")
                    if flight:
                        client.buf.clear()
                        client.sock.sendall(flight[2])
                    elif measuring:
                        send(client)
                    continue
                client.buf += data
                parsed = _parse(client.buf)
                if parsed is None:
                    continue
                finished = time.perf_counter_ns()
                timed, kind, _ = in_flight.pop(id(client))
                self._record(
                    self.timed if timed else self.filler, kind, finished - client.started, *parsed[:2]
                )
                answered += timed
                if parsed[2]:
                    self._reconnect(client, "told to close")
                send(client)
        self.wall_s = (time.perf_counter_ns() - started) / 1e9
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu_s = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
        # Filler still in flight is answered, so the database holds every acknowledged topic.
        while in_flight:
            for key, _ in self.selector.select():
                client = key.data
                data = client.sock.recv(65536)
                if not data:
                    in_flight.pop(id(client), None)
                    continue
                client.buf += data
                parsed = _parse(client.buf)
                if parsed is not None:
                    _, kind, _ = in_flight.pop(id(client))
                    self._record(self.filler, kind, 0, *parsed[:2])

    def _record(self, tally: _Tally, kind: int, elapsed_ns: int, status: int, body: bytes) -> None:
        tally.latencies[kind].append(elapsed_ns)
        want = self.expected[kind]
        if status != 200:
            tally.bad[f"HTTP {status}"] += 1
        elif (want is None and body) or (want is not None and want not in body):
            tally.bad["unexpected reply"] += 1
        else:
            tally.ok[kind] += 1
            return
        if len(tally.samples) < 3:
            tally.samples.append(f"{status} {body[:300]!r}")


def generator_main(pipe: Any, spec: dict[str, Any]) -> None:
    """Open the clients under load, say ready; on "go" time the requests; report; on "close" exit."""
    concurrency = spec["concurrency"]
    filler_count = max(200, 60 * concurrency)
    requests = _build_requests(spec, filler_count + spec["count"])
    load = _Load(spec["port"], [None if spec["bare"] else EXPECTED[kind] for kind in KINDS], pipe)
    load.run(requests[:filler_count], requests[filler_count:], concurrency, spec["connect_every_s"])
    bad = load.timed.bad + load.filler.bad
    pipe.send(
        {
            "latencies": load.timed.latencies,
            "ok": [a + b for a, b in zip(load.timed.ok, load.filler.ok, strict=True)],
            "bad": dict(bad),
            "samples": load.timed.samples + load.filler.samples,
            "wall_s": load.wall_s,
            "cpu_s": load.cpu_s,
            "reconnects": dict(load.reconnects),
            "local_ports": [client.sock.getsockname()[1] for client in load.clients],
        }
    )
    pipe.recv()  # "close": the caller has looked at which worker holds which connection
    for client in load.clients:
        client.sock.close()


# --------------------------------------------------------------------------- servers and databases


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


def _stat(pid: str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def tree_cpu_seconds(root: int) -> float:
    """CPU (user + system) used so far by `root` and every process below it."""
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(entry)) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))  # ppid
            ticks[int(entry)] = int(fields[11]) + int(fields[12])  # utime, stime
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / CLOCK_TICKS


def listening_pid(port: int) -> int | None:
    out = subprocess.run(["ss", "-ltnpH", f"( sport = :{port} )"], capture_output=True, text=True).stdout
    found = re.search(r"pid=(\d+)", out)
    return int(found.group(1)) if found else None


def wait_until_quiet(limit_s: float, busy_cores: float = 0.25) -> float:
    """Wait (at most `limit_s`) until other programs leave the machine nearly idle; the busy cores seen."""
    deadline = time.monotonic() + limit_s
    while True:
        before, started = machine_busy_seconds(), time.monotonic()
        time.sleep(0.5)
        busy = (machine_busy_seconds() - before) / (time.monotonic() - started)
        if busy < busy_cores or time.monotonic() >= deadline:
            return busy


def machine_busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / CLOCK_TICKS


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


@dataclass(frozen=True)
class StaticDirectory:
    """People's time zones as Slack would report them, for the seeding only."""

    zones: dict[str, str]

    def timezone(self, slack_user_id: str) -> str:
        return self.zones[slack_user_id]


def seed(database_url: str, pairs: list[tuple[str, str]], zones: dict[str, str]) -> None:
    """A realistic state, made through the services the way commands make it."""
    from bot.services import actions, agenda, series, topics
    from bot.services.pairs import Actor
    from bot.services.people import timezones
    from bot.store import migrations
    from bot.store.db import make_engine, make_session_factory
    from tests.slack_emulator import TEAM_ID

    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    directory = StaticDirectory(zones)
    try:
        for k, (manager, report) in enumerate(pairs):
            lead = Actor(TEAM_ID, manager)
            request = series.ScheduleRequest(
                other_user_id=report,
                cadence="biweekly" if k % 4 == 3 else "weekly",
                weekday=k % 5,
                at=wall_time(9 + k % 8, 30 * (k % 2)),
                duration_minutes=30,
            )
            series.schedule(sessions, now, lead, request, zones[manager])
            # Once both people exist (the cache holds zones of known people only), as after their
            # first command: otherwise a person's first timed request would also ask Slack.
            timezones(sessions, directory, now, TEAM_ID, [manager, report])
            topics.add_topic(sessions, now, Actor(TEAM_ID, report), manager, "How on-call is going")
            topics.add_topic(sessions, now, lead, report, "Feedback on the last release")
            due = date.today() + timedelta(days=7 + k % 10)
            actions.add_action(sessions, now, lead, report, "Write up the hiring plan", report, due)
            agenda.add_note(sessions, now, lead, report, "Ask how the new team is settling in")
    finally:
        engine.dispose()


def count_topics(database_url: str) -> int:
    from sqlalchemy import func, select

    from bot.store.db import make_engine, make_session_factory
    from bot.store.models import Topic

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Topic)) or 0)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- running and reporting


@dataclass
class Run:
    target: str
    clients: int
    requests: int
    latencies: list[int]  # ns, every request
    by_kind: dict[str, list[int]]
    wall_s: float
    server_cpu_s: float
    database_cpu_s: float
    generator_cpu_s: float
    machine_cpu_s: float
    busy_before: float  # cores other programs kept busy just before the run
    errors: dict[str, int]
    samples: list[str]
    reconnects: dict[str, int]
    spread: dict[int, int]
    topics_acked: int

    @property
    def rps(self) -> float:
        return self.requests / self.wall_s

    def pct(self, p: float, kind: str | None = None) -> float:
        return percentile(self.by_kind[kind] if kind else self.latencies, p)

    @property
    def own_cpu_s(self) -> float:
        """CPU of everything the measurement needs: server, database, load generator."""
        return self.server_cpu_s + self.database_cpu_s + self.generator_cpu_s

    @property
    def other_cpu_s(self) -> float:
        """CPU used meanwhile by other programs on the machine: noise, reported so it can be judged."""
        return max(0.0, self.machine_cpu_s - self.own_cpu_s)

    def per_request_ms(self, seconds: float) -> float:
        return seconds * 1000 / self.requests

    @property
    def mean_ms(self) -> float:
        return sum(self.latencies) / len(self.latencies) / 1e6


def cpu_snapshot(server: Server) -> tuple[float, float, float]:
    """CPU seconds so far of the server's processes, of its database server, and of the machine."""
    database = tree_cpu_seconds(server.database_pid) if server.database_pid else 0.0
    return tree_cpu_seconds(server.process.pid), database, machine_busy_seconds()


def percentile(values: Sequence[int], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] / 1e6


def drive(
    server: Server,
    pairs: list[tuple[str, str]],
    clients: int,
    count: int,
    seed: int,
    profile: Path | None = None,
    quiet_wait: float = 0.0,
    connect_every_s: float = 0.005,
) -> Run:
    # Other programs on the machine: wait for them to calm down, and say how busy they were.
    busy = wait_until_quiet(quiet_wait) if quiet_wait else float("nan")
    spec = {
        "port": server.port,
        "pairs": pairs,
        "count": count,
        "concurrency": clients,
        "seed": seed,
        "secret": SIGNING_SECRET,
        "bare": server.database_url is None,
        "connect_every_s": connect_every_s,
    }
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(target=generator_main, args=(theirs, spec), daemon=True)
    process.start()
    if not mine.poll(120):
        raise SystemExit("the load generator did not get ready")
    ready, _, opening_bad, opening_samples = mine.recv()
    assert ready == "ready"
    if opening_bad:
        raise SystemExit(f"{server.name}: bad answers {opening_bad} while connecting, e.g. {opening_samples}")
    profilers = start_profilers(server, profile, f"{server.name}-{clients}x{count}") if profile else []
    before = cpu_snapshot(server)
    mine.send("go")
    result = mine.recv()
    after = cpu_snapshot(server)
    stop_profilers(profilers)
    spread = connections_by_worker(server, result["local_ports"])
    mine.send("close")
    process.join(30)
    by_kind = {kind: result["latencies"][i] for i, kind in enumerate(KINDS)}
    return Run(
        target=server.name,
        clients=clients,
        requests=count,
        latencies=[ns for values in result["latencies"] for ns in values],
        by_kind=by_kind,
        wall_s=result["wall_s"],
        server_cpu_s=after[0] - before[0],
        database_cpu_s=after[1] - before[1],
        generator_cpu_s=result["cpu_s"],
        machine_cpu_s=after[2] - before[2],
        busy_before=busy,
        errors=result["bad"],
        samples=result["samples"],
        reconnects=result["reconnects"],
        spread=spread,
        topics_acked=result["ok"][0],
    )


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| target | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | mean ms "
        "| CPU ms/req: server | database | generator | others | connections per worker |",
        "|" + " --- |" * 15,
    ]
    for run in runs:
        spread = "/".join(str(n) for n in sorted(run.spread.values(), reverse=True)) or "?"
        database = f"{run.per_request_ms(run.database_cpu_s):.2f}" if run.database_cpu_s else "-"
        lines.append(
            f"| {run.target} | {run.clients} | {run.requests} | {run.rps:.0f} | {run.pct(50):.1f} "
            f"| {run.pct(95):.1f} | {run.pct(99):.1f} | {max(run.latencies) / 1e6:.1f} | {run.mean_ms:.1f} "
            f"| {run.per_request_ms(run.server_cpu_s):.2f} | {database} "
            f"| {run.per_request_ms(run.generator_cpu_s):.3f} | {run.per_request_ms(run.other_cpu_s):.2f} "
            f"| {spread} |"
        )
    return "\n".join(lines)


def kinds_table(runs: Sequence[Run]) -> str:
    lines = [
        "| target | clients | add-topic p50 / p95 / p99 ms | agenda p50 / p95 / p99 ms |",
        "| --- | --- | --- | --- |",
    ]
    for run in runs:
        cells = [" / ".join(f"{run.pct(p, kind):.1f}" for p in (50, 95, 99)) for kind in KINDS]
        lines.append(f"| {run.target} | {run.clients} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def ratios_table(runs: Sequence[Run], clients: Sequence[int]) -> str:
    lines = [
        "| target | clients | p99 / bare p99 | req/s / bare req/s | CPU per request / bare's | targets |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    top = max(clients)
    for level in clients:
        level_runs = [r for r in runs if r.clients == level]
        bare = next((r for r in level_runs if r.target == "bare"), None)
        if bare is None:
            continue
        for run in level_runs:
            if run is bare:
                continue
            p99, rps = run.pct(99) / bare.pct(99), run.rps / bare.rps
            cost = (run.own_cpu_s / run.requests) / (bare.own_cpu_s / bare.requests)
            verdict = ""
            if level == top:
                verdict = "p99 <= 1.5x: " + ("met" if p99 <= 1.5 else "MISSED")
                verdict += "; req/s >= 2/3: " + ("met" if rps >= 2 / 3 else "MISSED")
            if level == 1:
                verdict = "p99 < 20 ms: " + ("met" if run.pct(99) < 20 else "MISSED")
            lines.append(f"| {run.target} | {level} | {p99:.2f}x | {rps:.2f}x | {cost:.1f}x | {verdict} |")
    return "\n".join(lines)


def queueing_table(runs: Sequence[Run]) -> str:
    """Cost or queueing: the CPU ceiling of the machine, and how much of the latency is waiting."""
    lines = [
        "| target | clients | req/s | CPU ceiling req/s | cores busy: ours / generator | mean ms "
        "| of which service (1 client) | queueing |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    cores = os.cpu_count() or 1
    alone = {r.target: r.mean_ms for r in runs if r.clients == 1}
    for run in runs:
        ceiling = cores * run.requests / run.own_cpu_s if run.own_cpu_s else float("nan")
        base = alone.get(run.target)
        service = f"{base:.1f} ms" if base is not None else "?"
        waiting = f"{max(0.0, 1 - base / run.mean_ms):.0%}" if base is not None else "?"
        busy = f"{run.own_cpu_s / run.wall_s:.2f} / {run.generator_cpu_s / run.wall_s:.2f}"
        lines.append(
            f"| {run.target} | {run.clients} | {run.rps:.0f} | {ceiling:.0f} | {busy} | {run.mean_ms:.1f} "
            f"| {service} | {waiting} |"
        )
    return "\n".join(lines)


def scaling_table(runs: Sequence[Run]) -> str:
    lines = [
        "| target | clients | requests | seconds | req/s | p50 ms | p99 ms | CPU ms/req: server | database |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in sorted(runs, key=lambda r: (r.target, r.clients, r.requests)):
        database = f"{run.per_request_ms(run.database_cpu_s):.2f}" if run.database_cpu_s else "-"
        lines.append(
            f"| {run.target} | {run.clients} | {run.requests} | {run.wall_s:.1f} | {run.rps:.0f} "
            f"| {run.pct(50):.1f} | {run.pct(99):.1f} | {run.per_request_ms(run.server_cpu_s):.2f} "
            f"| {database} |"
        )
    return "\n".join(lines)


def machine_description(postgres_url: str | None) -> list[str]:
    import gunicorn
    import slack_bolt.version
    import sqlalchemy

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    lines = [
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {os.cpu_count()} cores, {model}, {int(memory) // 1024} MiB, {platform.platform()}",
        f"python {platform.python_version()}, gunicorn {gunicorn.__version__}, "
        f"slack-bolt {slack_bolt.version.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(postgres_url)
        with engine.connect() as connection:
            lines.append(str(connection.scalar(text("SHOW server_version"))).join(("PostgreSQL ", "")))
        engine.dispose()
    return lines


def parse_ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres", action="store_true", help="also the bot on PostgreSQL (TEST_DATABASE_URL)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="leave out the bot on SQLite")
    parser.add_argument("--clients", default="1,10,50", help="concurrency levels (default 1,10,50)")
    parser.add_argument("--requests", default="500,3000,5000", help="requests per level, one per level")
    parser.add_argument(
        "--scaling",
        default="2500,10000",
        help="more request counts at the highest level, to see whether cost grows linearly ('' for none)",
    )
    parser.add_argument("--warmup", type=int, default=1000, help="requests per server before measuring")
    parser.add_argument("--pairs", type=int, default=1000, help="1:1 pairs to seed (default 1000)")
    parser.add_argument("--workers", help="WEB_CONCURRENCY for every server (default: bot/web.py's)")
    parser.add_argument("--threads", help="WEB_THREADS for every server (default: bot/web.py's)")
    parser.add_argument(
        "--profile", type=Path, help="record py-spy profiles of the bot's workers at the top level into DIR"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="before each run, wait up to this many seconds for other programs to leave the CPUs idle",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help=f"reruns when others used over {DISTURBED_CORES} cores meanwhile (the calmest run counts)",
    )
    parser.add_argument(
        "--connect-every-ms",
        type=float,
        default=5.0,
        help="open the clients of a level this far apart, under load (0: all at once)",
    )
    parser.add_argument("--only", help="comma-separated targets to run: bare,sqlite,postgres")
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (or SIGINT, which a background job ignores): still stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from sqlalchemy.engine import make_url

    from bot.web import server_options
    from tests.slack_emulator import BOT_TOKEN, SlackEmulator

    clients, counts = parse_ints(args.clients), parse_ints(args.requests)
    if len(clients) != len(counts):
        parser.error("--clients and --requests need as many values each")
    postgres_base = os.environ.get("TEST_DATABASE_URL")
    if args.postgres and not postgres_base:
        parser.error("--postgres needs TEST_DATABASE_URL (run it under scripts/with-postgres)")
    env = dict(os.environ)
    for name, value in (("WEB_CONCURRENCY", args.workers), ("WEB_THREADS", args.threads)):
        if value:
            env[name] = value
    defaults = server_options(0)
    env.setdefault("WEB_CONCURRENCY", str(defaults["workers"]))
    env.setdefault("WEB_THREADS", str(defaults["threads"]))
    targets = ["bare"] + ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
    if args.only:
        targets = [t for t in targets if t in args.only.split(",")]

    pairs = [(f"UMGR{k:05d}", f"UREP{k:05d}") for k in range(args.pairs)]
    zones = {}
    for k, (manager, report) in enumerate(pairs):
        zones[manager], zones[report] = ZONES[k % len(ZONES)], ZONES[(3 * k + 1) % len(ZONES)]

    emulator = SlackEmulator().start()
    for user_id, zone in zones.items():
        emulator.add_user(user_id, tz=zone)
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=emulator.url)

    print("\n".join(machine_description(postgres_base if args.postgres else None)))
    print(
        f"servers: gunicorn gthread, {env['WEB_CONCURRENCY']} workers x {env['WEB_THREADS']} threads; "
        f"{args.pairs} pairs seeded; warm-up {args.warmup} requests at {max(clients)} clients",
        flush=True,
    )
    servers: list[Server] = []
    main_runs: list[Run] = []
    runs: list[Run] = []  # the extra request counts
    with (
        tempfile.TemporaryDirectory(prefix="ack-latency-") as scratch,
        _maybe_postgres(postgres_base if "postgres" in targets else None) as postgres_url,
    ):
        try:
            for target in targets:
                if target == "bare":
                    bare_app = str(REPO / "benchmarks" / "bare_app.py")
                    servers.append(start_server("bare", [sys.executable, bare_app], env, None))
                    continue
                url = f"sqlite:///{scratch}/bench.db" if target == "sqlite" else postgres_url
                assert url is not None
                started = time.monotonic()
                seed(url, pairs, zones)
                took = time.monotonic() - started
                print(f"{target}: seeded {len(pairs)} pairs in {took:.1f} s", flush=True)
                server = start_server(
                    target, [sys.executable, "-m", "bot", "serve"], {**env, "DATABASE_URL": url}, url
                )
                if target == "postgres":
                    server.database_pid = listening_pid(int(make_url(url).port or 5432))
                servers.append(server)
            acked = {server.name: 0 for server in servers}
            for server in servers:
                warm = drive(
                    server,
                    pairs,
                    max(clients),
                    args.warmup,
                    seed=1,
                    connect_every_s=args.connect_every_ms / 1000,
                )
                acked[server.name] += warm.topics_acked
                _check(warm)
            plan = [(n, count, True) for n, count in zip(clients, counts, strict=True)]
            plan += [(max(clients), count, False) for count in parse_ints(args.scaling)]
            for level, (level_clients, count, main_level) in enumerate(plan, start=2):
                for server in servers:
                    profile = args.profile if server.database_url and level_clients == max(clients) else None
                    best: Run | None = None
                    for attempt in range(1 + args.retries):
                        run = drive(
                            server,
                            pairs,
                            level_clients,
                            count,
                            seed=level,
                            profile=profile,
                            quiet_wait=args.quiet_wait,
                            connect_every_s=args.connect_every_ms / 1000,
                        )
                        _check(run)
                        acked[server.name] += run.topics_acked
                        disturbed = run.other_cpu_s / run.wall_s
                        print(
                            f"  {run.target:8} {run.clients:3} clients {run.requests:6} requests: "
                            f"{run.rps:6.0f} req/s, p50 {run.pct(50):6.1f} ms, p99 {run.pct(99):6.1f} ms "
                            f"(other programs: {run.busy_before:.2f} cores before, {disturbed:.2f} during"
                            f"{'; reconnects ' + str(run.reconnects) if run.reconnects else ''})",
                            flush=True,
                        )
                        if best is None or run.other_cpu_s / run.wall_s < best.other_cpu_s / best.wall_s:
                            best = run
                        if disturbed <= DISTURBED_CORES:
                            break
                        if attempt < args.retries:
                            print(
                                f"    disturbed by other programs ({disturbed:.2f} cores): once more",
                                flush=True,
                            )
                    assert best is not None
                    (main_runs if main_level else runs).append(best)
            for server in servers:
                if server.database_url:
                    stored = count_topics(server.database_url)
                    expected = 2 * len(pairs) + acked[server.name]
                    if stored != expected:
                        raise SystemExit(f"{server.name}: {stored} topics stored, {expected} acknowledged")
                    print(f"{server.name}: all {acked[server.name]} acknowledged topics are stored")
            for server in servers:
                trouble = [
                    line for line in server.log if re.search(r"ERROR|CRITICAL|Traceback|WORKER TIMEOUT", line)
                ]
                if trouble or len(server.worker_pids) > int(env["WEB_CONCURRENCY"]):
                    print(f"{server.name}: {len(server.worker_pids)} workers booted; log says:")
                    print("".join(trouble[:20]), end="")
        finally:
            for server in servers:
                server.stop()
            emulator.stop()

    print("\n## Latency and throughput\n")
    print(table(main_runs))
    print("\n## By command\n")
    print(kinds_table([r for r in main_runs if r.target != "bare"]))
    print("\n## Against the bare app\n")
    print(ratios_table(main_runs, clients))
    print("\n## Queueing or cost\n")
    print(queueing_table(main_runs))
    scaling = [r for r in main_runs + runs if r.clients == max(clients)]
    if runs:
        print(f"\n## Request count at {max(clients)} clients (does the cost grow linearly?)\n")
        print(scaling_table(scaling))
    return 0


def _check(run: Run) -> None:
    if run.errors:
        raise SystemExit(f"{run.target}: bad answers {run.errors}, e.g. {run.samples}")


@contextmanager
def _maybe_postgres(base_url: str | None) -> Iterator[str | None]:
    if base_url is None:
        yield None
        return
    from tests.databases import throwaway_postgres_database

    with throwaway_postgres_database(base_url, "ack_latency") as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
