"""A closed-loop HTTP/1.1 load generator for the benchmarks, and what measures around it.

* :class:`Load`: closed-loop clients on keep-alive connections, all driven by one `selectors` loop.
  Each sends its next request when the answer to its last one has arrived; latency is from the
  first byte sent to the last byte of the answer. Requests come pre-built (raw HTTP, signed), each
  with the index of its kind, and every answer is checked against what its kind expects.
* :func:`generate` runs a load in a process of its own and :class:`GeneratorProcess` is the other
  end: the generator opens its clients, says "ready", times the requests on "go", sends what it
  measured, and closes its connections on "close".
* CPU from /proc (:func:`tree_cpu_seconds`, :func:`machine_busy_seconds`, :func:`wait_until_quiet`)
  and the nearest-rank :func:`percentile`.

Kept free of the bot's imports: the generator process only needs to send and time.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import resource
import selectors
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Request = tuple[int, bytes]  # (index of its kind, the raw HTTP request)


# --------------------------------------------------------------------------- the clients


@dataclass
class _Client:
    sock: socket.socket
    started: int = 0  # perf_counter_ns when the request in flight was sent
    buf: bytearray = field(default_factory=bytearray)


_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CONNECTION_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close", re.IGNORECASE)


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


class _Tally:
    """Answers to filler or to timed requests: latencies and good answers by kind, and what was wrong."""

    def __init__(self, kinds: int) -> None:
        self.latencies: list[list[int]] = [[] for _ in range(kinds)]  # ns, by kind
        self.ok = [0 for _ in range(kinds)]
        self.bad: Counter[str] = Counter()
        self.samples: list[str] = []


class Load:
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
        self.filler, self.timed = _Tally(len(expected)), _Tally(len(expected))
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

    def run(self, filler: list[Request], measured: list[Request], clients: int, every_s: float) -> None:
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
        # Filler still in flight is answered, so the server has done all it acknowledged (a benchmark
        # may count what was stored).
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


def generate(
    pipe: Any,
    port: int,
    expected: list[bytes | None],
    filler: list[Request],
    measured: list[Request],
    clients: int,
    every_s: float,
) -> None:
    """In the generator process: open the clients under load, say ready; on "go" time the requests;
    report; on "close" exit. `expected[kind]` is what an answer must contain (None: an empty body)."""
    load = Load(port, expected, pipe)
    load.run(filler, measured, clients, every_s)
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


class GeneratorProcess:
    """The caller's end: `target(pipe, spec)` runs in a spawned process and calls :func:`generate`."""

    def __init__(self, target: Callable[[Any, dict[str, Any]], None], spec: dict[str, Any]) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=target, args=(theirs, spec), daemon=True)
        self.process.start()

    def ready(self, timeout: float = 120) -> tuple[dict[str, int], list[str]]:
        """Wait until every client is connected: the bad answers (and samples) while they connected."""
        if not self.pipe.poll(timeout):
            raise SystemExit("the load generator did not get ready")
        ready, _, opening_bad, opening_samples = self.pipe.recv()
        assert ready == "ready"
        return opening_bad, opening_samples

    def go(self) -> dict[str, Any]:
        """Time the measured requests; what the generator measured (see :func:`generate`)."""
        self.pipe.send("go")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("close")
        self.process.join(30)


# --------------------------------------------------------------------------- measuring


def percentile(values: Sequence[int], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] / 1e6


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
