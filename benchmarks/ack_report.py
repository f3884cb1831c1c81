"""What benchmarks/ack_latency.py measured in one run, and the tables it prints from the runs."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.load import percentile


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
    mix: tuple[str, ...] = ()  # the commands sent, in equal parts

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


def kinds_table(runs: Sequence[Run], kinds: Sequence[str]) -> str:
    lines = [
        "| target | clients | " + " | ".join(f"{kind} p50 / p95 / p99 ms" for kind in kinds) + " |",
        "| --- | --- |" + " --- |" * len(kinds),
    ]
    for run in runs:
        cells = [" / ".join(f"{run.pct(p, kind):.1f}" for p in (50, 95, 99)) for kind in kinds]
        lines.append(f"| {run.target} | {run.clients} | " + " | ".join(cells) + " |")
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


# Issue 17: a command's server CPU per request at most this many times the bare app's, by command and
# target (the database's own CPU is shown beside it, not counted in the ratio).
CPU_LIMITS = {
    ("add-topic", "sqlite"): 2.0,
    ("add-topic", "postgres"): 2.5,
    ("help", "sqlite"): 1.3,
    ("help", "postgres"): 1.3,
}


def commands_table(runs: Sequence[Run], top: int) -> str:
    """One command at a time against the bare app at the same level: CPU per request, p99, throughput."""
    lines = [
        "| command | clients | target | req/s | p50 ms | p99 ms | CPU ms/req: server | database "
        "| server CPU / bare's | p99 / bare's | req/s / bare's | targets |",
        "|" + " --- |" * 12,
    ]
    for run in runs:
        command = "/".join(run.mix)
        bare = next(
            (r for r in runs if r.target == "bare" and r.mix == run.mix and r.clients == run.clients), None
        )
        database = f"{run.per_request_ms(run.database_cpu_s):.2f}" if run.database_cpu_s else "-"
        cells = [command, str(run.clients), run.target, f"{run.rps:.0f}", f"{run.pct(50):.2f}"]
        cells += [f"{run.pct(99):.2f}", f"{run.per_request_ms(run.server_cpu_s):.3f}", database]
        verdicts = []
        if bare is None or run is bare:
            cells += ["", "", ""]
        else:
            cpu = run.server_cpu_s / run.requests / (bare.server_cpu_s / bare.requests)
            p99, rps = run.pct(99) / bare.pct(99), run.rps / bare.rps
            cells += [f"{cpu:.2f}x", f"{p99:.2f}x", f"{rps:.2f}x"]
            limit = CPU_LIMITS.get((command, run.target))
            if limit is not None:
                verdicts.append(f"CPU <= {limit}x: " + ("met" if cpu <= limit else "MISSED"))
            if run.clients == top:
                verdicts.append("p99 <= 1.5x: " + ("met" if p99 <= 1.5 else "MISSED"))
                verdicts.append("req/s >= 2/3: " + ("met" if rps >= 2 / 3 else "MISSED"))
        lines.append("| " + " | ".join(cells) + " | " + "; ".join(verdicts) + " |")
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
