"""Acknowledgement latency of `/1on1 add-topic` and `/1on1 agenda` under `python -m bot serve`.

The bot is served exactly as in production (gunicorn gthread, bot/web.py's `server_options`, the
workers and threads from WEB_CONCURRENCY / WEB_THREADS or their defaults), on SQLite and, with
`--postgres`, on PostgreSQL; in the same run the same signed requests go to a bare slack-bolt app
(benchmarks/bare_app.py) served the same way, which verifies the signature and acks, nothing more.

    .venv/bin/python benchmarks/ack_latency.py                                    # bare + SQLite
    scripts/with-postgres .venv/bin/python benchmarks/ack_latency.py --postgres   # bare + SQLite + PostgreSQL

How it measures (benchmarks/README.md, "Acknowledgement latency", says more):

* A Slack Web API emulator (emulator/web_api.py) runs in this process for auth.test and users.info.
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
  the server busy until the timed ones start (benchmarks/load.py).
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
import io
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for benchmarks and emulator

from benchmarks.ack_report import (
    Run,
    commands_table,
    kinds_table,
    machine_description,
    queueing_table,
    ratios_table,
    scaling_table,
    table,
)
from benchmarks.load import (
    GeneratorProcess,
    Request,
    generate,
    machine_busy_seconds,
    tree_cpu_seconds,
    wait_until_quiet,
)
from benchmarks.servers import (
    REPO,
    Server,
    connections_by_worker,
    listening_pid,
    start_profilers,
    start_server,
    stop_profilers,
)

SIGNING_SECRET = "benchmark-signing-secret"
KINDS = ("add-topic", "agenda", "help")
MIX = ("add-topic", "agenda")  # the levels' requests: half each
# What each kind's answer must contain (the bare app answers an empty ack).
EXPECTED = {
    "add-topic": b"Added to the agenda of your 1:1",
    "agenda": b"Your next 1:1 with",
    "help": b"How to use /1on1",
    "list": b"Your 1:1s",
}
ZONES = ("America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Europe/London")
# A run during which other programs kept more than this many cores busy on average is run again.
DISTURBED_CORES = 0.1


# --------------------------------------------------------------------------- the requests
# Built in the load generator's process (benchmarks/load.py), which needs no more than to sign and send.


def _build_requests(spec: dict[str, Any], count: int) -> list[Request]:
    from emulator.requests import new_trigger_id, sign, slash_command_body

    rng = random.Random(spec["seed"])
    pairs: list[tuple[str, str]] = spec["pairs"]
    mix: list[int] = spec["mix"]
    host = f"127.0.0.1:{spec['port']}"
    timestamp = int(time.time())
    requests = []
    for i in range(count):
        manager, report = rng.choice(pairs)
        me, other = (manager, report) if rng.random() < 0.5 else (report, manager)
        kind = mix[int(rng.random() * len(mix))]
        if KINDS[kind] == "add-topic":
            text = f"add-topic <@{other}|{other.lower()}> Topic {spec['seed']}-{i}: roadmap and hiring plan"
        else:
            text = KINDS[kind]
        body, content_type = slash_command_body(text, me, trigger_id=new_trigger_id())
        headers = {"Content-Type": content_type, **sign(body, spec["secret"], timestamp)}
        head = f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        requests.append((kind, head.encode() + b"\r\n" + body))
    return requests


def generator_main(pipe: Any, spec: dict[str, Any]) -> None:
    """The load generator's process: build and sign the requests, then run the load (`load.generate`)."""
    concurrency = spec["concurrency"]
    filler_count = max(200, 60 * concurrency)
    requests = _build_requests(spec, filler_count + spec["count"])
    expected = [None if spec["bare"] else EXPECTED[kind] for kind in KINDS]
    generate(
        pipe,
        spec["port"],
        expected,
        requests[:filler_count],
        requests[filler_count:],
        concurrency,
        spec["connect_every_s"],
    )


# --------------------------------------------------------------------------- databases


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
    from emulator.web_api import TEAM_ID

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


# --------------------------------------------------------------------------- statements


def statements(
    target: str,
    database_url: str,
    env: dict[str, str],
    pairs: list[tuple[str, str]],
    commands: Sequence[str] = ("add-topic", "help", "agenda", "list"),
    warmup: int = 20,
) -> tuple[list[str], int]:
    """Each command once through the production app (`bot serve`'s WSGI app, built in this process on the
    seeded database) after `warmup` of each: every statement it sent (SQLAlchemy's `before_cursor_execute`),
    its transactions (the engine's begin and commit events) and the pool's liveness pings (PostgreSQL's
    `pool_pre_ping`, a `SELECT 1` per checkout that event does not see). The lines to print, and how many
    topics it added."""
    from sqlalchemy import event

    from bot.config import Settings
    from bot.processes import web_app
    from bot.store.db import make_engine, make_session_factory
    from bot.web import build_wsgi
    from emulator.requests import new_trigger_id, sign, slash_command_body

    settings = Settings.from_env({**env, "DATABASE_URL": database_url})
    engine = make_engine(database_url)
    app = web_app(settings, make_session_factory(engine))
    wsgi = build_wsgi(app, engine)
    sent: list[str] = []
    counted: Counter[str] = Counter()
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: sent.append(statement))
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, lambda *_, name=name: counted.update([name]))
    ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda connection: bool(counted.update(["ping"]) or ping(connection))  # type: ignore[method-assign]

    def send(command: str, k: int) -> bytes:
        manager, report = pairs[k % len(pairs)]
        text = f"add-topic <@{report}|x> Measured {k}: roadmap" if command == "add-topic" else command
        body, content_type = slash_command_body(text, manager, trigger_id=new_trigger_id())
        headers = sign(body, SIGNING_SECRET, int(time.time()))
        environ = {
            "REQUEST_METHOD": "POST",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "PATH_INFO": "/slack/events",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
        }
        statuses: list[str] = []
        answer = b"".join(wsgi(environ, lambda status, _headers: statuses.append(status)))
        if not statuses[0].startswith("200") or EXPECTED[command] not in answer:
            raise SystemExit(f"{target}: {command} answered {statuses[0]} {answer[:200]!r}")
        return answer

    lines, added = [], 0
    try:
        for command in commands:
            for k in range(warmup):
                send(command, k)
            sent.clear()
            counted.clear()
            send(command, warmup)
            added += (warmup + 1) * (command == "add-topic")
            shown = [" ".join(statement.split()) for statement in sent]
            queries = [s for s in shown if s.split(" ", 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
            lines.append(
                f"### {command} on {target}: {counted['begin']} transaction(s) ({counted['commit']} commit, "
                f"{counted['rollback']} rollback), {len(queries)} statement(s)"
                + (f", {counted['ping']} pool liveness ping(s) (SELECT 1)" if counted["ping"] else "")
                + "\n"
            )
            lines += [f"{n}. `{statement}`" for n, statement in enumerate(shown, start=1)]
            lines.append("")
    finally:
        app.wait_idle(10)
        engine.dispose()
    return lines, added


# --------------------------------------------------------------------------- running


def cpu_snapshot(server: Server) -> tuple[float, float, float]:
    """CPU seconds so far of the server's processes, of its database server, and of the machine."""
    database = tree_cpu_seconds(server.database_pid) if server.database_pid else 0.0
    return tree_cpu_seconds(server.process.pid), database, machine_busy_seconds()


def drive(
    server: Server,
    pairs: list[tuple[str, str]],
    clients: int,
    count: int,
    seed: int,
    profile: Path | None = None,
    quiet_wait: float = 0.0,
    connect_every_s: float = 0.005,
    mix: Sequence[str] = MIX,
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
        "mix": [KINDS.index(kind) for kind in mix],
    }
    generator = GeneratorProcess(generator_main, spec)
    opening_bad, opening_samples = generator.ready()
    if opening_bad:
        raise SystemExit(f"{server.name}: bad answers {opening_bad} while connecting, e.g. {opening_samples}")
    profilers = (
        start_profilers(server, profile, f"{server.name}-{'+'.join(mix)}-{clients}x{count}")
        if profile
        else []
    )
    before = cpu_snapshot(server)
    result = generator.go()
    after = cpu_snapshot(server)
    stop_profilers(profilers)
    spread = connections_by_worker(server, result["local_ports"])
    generator.close()
    by_kind = {kind: result["latencies"][i] for i, kind in enumerate(KINDS) if kind in mix}
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
        topics_acked=result["ok"][KINDS.index("add-topic")],
        mix=tuple(mix),
    )


def measure(
    server: Server,
    pairs: list[tuple[str, str]],
    clients: int,
    count: int,
    seed: int,
    args: argparse.Namespace,
    *,
    profile: Path | None = None,
    mix: Sequence[str] = MIX,
) -> Run:
    """One level on one server: run again while other programs disturbed it (the calmest run counts).
    Every run's acknowledged topics are counted in the one returned."""
    best: Run | None = None
    acked = 0
    for attempt in range(1 + args.retries):
        run = drive(
            server,
            pairs,
            clients,
            count,
            seed=seed,
            profile=profile,
            quiet_wait=args.quiet_wait,
            connect_every_s=args.connect_every_ms / 1000,
            mix=mix,
        )
        _check(run)
        acked += run.topics_acked
        disturbed = run.other_cpu_s / run.wall_s
        print(
            f"  {run.target:8} {'/'.join(mix):16} {run.clients:3} clients {run.requests:6} requests: "
            f"{run.rps:6.0f} req/s, p50 {run.pct(50):6.1f} ms, p99 {run.pct(99):6.1f} ms, "
            f"server CPU {run.per_request_ms(run.server_cpu_s):.2f} ms/req "
            f"(other programs: {run.busy_before:.2f} cores before, {disturbed:.2f} during"
            f"{'; reconnects ' + str(run.reconnects) if run.reconnects else ''})",
            flush=True,
        )
        if best is None or run.other_cpu_s / run.wall_s < best.other_cpu_s / best.wall_s:
            best = run
        if disturbed <= DISTURBED_CORES:
            break
        if attempt < args.retries:
            print(f"    disturbed by other programs ({disturbed:.2f} cores): once more", flush=True)
    assert best is not None
    best.topics_acked = acked
    return best


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
    parser.add_argument(
        "--commands",
        default="add-topic,help",
        help="commands also run alone, for each one's CPU per request against the bare app's ('' for none)",
    )
    parser.add_argument("--command-clients", default="1,50", help="concurrency levels of those runs")
    parser.add_argument("--command-requests", default="1000,3000", help="requests per level of those runs")
    parser.add_argument(
        "--no-statements",
        action="store_true",
        help="leave out the statements each command sends (one of each, in this process, per database)",
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (or SIGINT, which a background job ignores): still stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from sqlalchemy.engine import make_url

    from bot.web import server_options
    from emulator.web_api import BOT_TOKEN, SlackEmulator

    clients, counts = parse_ints(args.clients), parse_ints(args.requests)
    if len(clients) != len(counts):
        parser.error("--clients and --requests need as many values each")
    commands = [command for command in args.commands.split(",") if command]
    command_clients, command_counts = parse_ints(args.command_clients), parse_ints(args.command_requests)
    if len(command_clients) != len(command_counts):
        parser.error("--command-clients and --command-requests need as many values each")
    if unknown := set(commands) - set(KINDS):
        parser.error(f"--commands: unknown {sorted(unknown)}; known: {', '.join(KINDS)}")
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
    command_runs: list[Run] = []  # one command at a time
    statement_lines: list[str] = []
    in_process_topics: dict[str, int] = {}  # topics the statements' measurement added
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
                if not args.no_statements:
                    lines, in_process_topics[target] = statements(target, url, env, pairs)
                    statement_lines += lines
                server = start_server(
                    target, [sys.executable, "-m", "bot", "serve"], {**env, "DATABASE_URL": url}, url
                )
                if target == "postgres":
                    server.database_pid = listening_pid(int(make_url(url).port or 5432))
                servers.append(server)
            acked = {server.name: in_process_topics.get(server.name, 0) for server in servers}
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
                    best = measure(server, pairs, level_clients, count, level, args, profile=profile)
                    acked[server.name] += best.topics_acked
                    (main_runs if main_level else runs).append(best)
            command_plan = list(zip(command_clients, command_counts, strict=True))
            for command in commands:
                for level, (level_clients, count) in enumerate(command_plan, start=len(plan) + 2):
                    for server in servers:
                        top = level_clients == max(command_clients)
                        profile = args.profile if server.database_url and top else None
                        best = measure(
                            server, pairs, level_clients, count, level, args, profile=profile, mix=(command,)
                        )
                        acked[server.name] += best.topics_acked
                        command_runs.append(best)
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
    print(kinds_table([r for r in main_runs if r.target != "bare"], MIX))
    print("\n## Against the bare app\n")
    print(ratios_table(main_runs, clients))
    print("\n## Queueing or cost\n")
    print(queueing_table(main_runs))
    scaling = [r for r in main_runs + runs if r.clients == max(clients)]
    if runs:
        print(f"\n## Request count at {max(clients)} clients (does the cost grow linearly?)\n")
        print(scaling_table(scaling))
    if command_runs:
        print("\n## One command at a time: server CPU per request against the bare app's\n")
        print(commands_table(command_runs, max(command_clients)))
    if statement_lines:
        print("\n## What each command sends the database (one of each, in this process)\n")
        print("\n".join(statement_lines))
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
