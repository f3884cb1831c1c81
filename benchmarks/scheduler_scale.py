"""Scheduler scale: how the tick copes with up to 1,000,000 active series (2,000,000 people).

    .venv/bin/python benchmarks/scheduler_scale.py                    # SQLite, 10k, 30k and 100k series
    scripts/with-postgres .venv/bin/python benchmarks/scheduler_scale.py   # the same on SQLite and PostgreSQL
    scripts/with-postgres bash -c '.venv/bin/python benchmarks/scheduler_scale.py \
        --sizes 100000,300000,1000000 --database-url "$TEST_DATABASE_URL"'   # issue 17: PostgreSQL to 1M

Results and what they showed: benchmarks/RESULTS.md, "Scheduler scale".

Each size gets a fresh database (a SQLite file in a temporary directory, or a new database on the
PostgreSQL server), migrated to head and seeded: one workspace, two people and one pair per series,
and the series themselves (materialised_until = the seed instant, so nothing is materialised yet),
with bulk Core inserts on SQLite and COPY on PostgreSQL (a million series in under a minute).
Weekdays, local times, zones, cadences, lengths and lead times are spread so that a tenth of the
series have a prompt due at exactly DUE_AT, and nothing else falls between the seed instant and
DUE_AT. Then, timed with perf_counter around the real services:

1. materialise_due at the seed instant: every series' meetings up to the horizon (then undone);
2. the first tick, as a real `python -m bot tick --at` process without SLACK_BOT_TOKEN (it queues,
   it does not deliver): it materialises everything and queues the prompts already due; its peak
   RSS is ru_maxrss of RUSAGE_CHILDREN around that one child, in a small launcher (see _LAUNCHER);
3. idle ticks (nothing due) at the seed instant + 30 s, and the look for calendars due a read;
4. the tick at DUE_AT, which queues the due prompts (two messages per meeting), repeated with an
   exact undo in between; then once more as a process, for its peak RSS, and again (idle);
5. EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (PostgreSQL) of every statement an idle and a busy tick run.

Targets (issue 17, at 1,000,000 series): idle tick <= 50 ms, the due tick <= 200 us per due meeting
(100,000 within 20 s), peak RSS <= 300 MB, materialising linear in series (the growth exponent k of
each cost, fitted over every size run, is printed).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.databases

from bot.domain.cadence import Cadence, to_local
from bot.domain.meetings import HORIZON
from bot.services.calendar_busy import read_due_calendars
from bot.services.materialise import materialise_due
from bot.services.tick import run_tick
from bot.store import migrations
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Meeting, OutboxMessage, Pair, Person, QuestionShown, Series, TimeAway, Workspace
from tests.databases import throwaway_postgres_database

# Monday 09:00 UTC: the prompts of Tuesday 09:00 UTC meetings (lead 24 h) come due.
DUE_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SEED_AT = DUE_AT - timedelta(minutes=1)  # seeded "now", and the first tick
IDLE_AT = SEED_AT + timedelta(seconds=30)  # nothing starts, ends or is prompted in (SEED_AT, DUE_AT)
DUE_SHARE = 10  # one series in ten has its prompt due at DUE_AT: 10,000 of 100,000

# Issue 17, at 1,000,000 series: idle tick <= 50 ms, 100,000 due meetings queued within 20 s (200 us a
# meeting, as 10,000 within 2 s was at 100,000), peak RSS <= 300 MB, materialising linear in series.
TARGET_IDLE_MS = 50
TARGET_DUE_S_PER_MEETING = 20 / 100_000
TARGET_RSS_MB = 300

# Zones where 09:00 UTC is a plausible meeting hour (06:00 to 14:30 local), for the series due at DUE_AT.
DUE_ZONES = [
    "Europe/London", "Europe/Lisbon", "Europe/Dublin", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
    "Europe/Stockholm", "Europe/Warsaw", "Europe/Helsinki", "Europe/Athens", "Europe/Istanbul",
    "Africa/Lagos", "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata", "America/Sao_Paulo",
]  # fmt: skip
ZONES = [
    *DUE_ZONES, "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Toronto", "America/Mexico_City", "Asia/Tokyo", "Asia/Singapore", "Asia/Shanghai",
    "Asia/Kathmandu", "Australia/Sydney", "Pacific/Auckland",
]  # fmt: skip
CADENCES = [Cadence.WEEKLY] * 6 + [Cadence.BIWEEKLY] * 3 + [Cadence.MONTHLY]
DURATIONS = [30, 30, 30, 45, 60]
LEADS = [24 * 60] * 8 + [48 * 60, 2 * 60]  # minutes


# --- databases ---------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str


@contextmanager
def fresh_database(target: str, label: str) -> Iterator[Database]:
    """A new, migrated database: a file in a temporary directory, or a new database on the server."""
    if target == "sqlite":
        with tempfile.TemporaryDirectory(prefix="scheduler-scale-") as directory:
            database = Database("sqlite", f"sqlite:///{directory}/bench.db")
            migrations.upgrade(database.url)
            yield database
        return
    with throwaway_postgres_database(target, f"scheduler_scale_{label}") as url:
        database = Database("postgresql", url)
        migrations.upgrade(database.url)
        yield database


# --- seeding -----------------------------------------------------------------------------------


SERIES_COLUMNS = (
    "id", "pair_id", "cadence", "weekday", "local_time", "duration_minutes", "timezone", "first_date",
    "lead_minutes", "active", "materialised_until", "created_by_id", "created_at",
)  # fmt: skip


def series_values(count: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """`count` series as SERIES_COLUMNS tuples: every DUE_SHARE-th one meets Tuesday 09:00 UTC (prompt due
    at DUE_AT). Tuples, not dicts, and each zone's local times worked out once: a million series are
    built in seconds and stay small."""
    meets_at = DUE_AT + timedelta(days=1)
    meets_in = {zone: to_local(meets_at, zone) for zone in DUE_ZONES}
    clashes = {
        (zone, lead): to_local(DUE_AT + timedelta(minutes=lead), zone) for zone in ZONES for lead in LEADS
    }
    for i in range(1, count + 1):
        cadence = rng.choice(CADENCES)
        if i % DUE_SHARE == 0:
            zone = rng.choice(DUE_ZONES)
            local = meets_in[zone]
            weekday, at, lead, duration = local.weekday(), local.time().replace(tzinfo=None), 24 * 60, 30
            anchor = local.date()  # an occurrence of the series, so it meets at `meets_at`
        else:
            zone, weekday, lead = rng.choice(ZONES), rng.randrange(5), rng.choice(LEADS)
            at, duration = clock_time(8 + rng.randrange(10), 15 * rng.randrange(4)), rng.choice(DURATIONS)
            # Whatever would be prompted exactly at DUE_AT moves a quarter of an hour later.
            clash = clashes[zone, lead]
            if clash.weekday() == weekday and clash.time().replace(tzinfo=None) == at:
                at = clock_time(at.hour, at.minute + 15) if at.minute < 45 else clock_time(at.hour + 1, 0)
            anchor = SEED_AT.date() + timedelta(days=(weekday - SEED_AT.weekday()) % 7)
        first = first_date(cadence, anchor, rng)
        created = SEED_AT - timedelta(days=400)
        yield (i, i, cadence, weekday, at, duration, zone, first, lead, True, SEED_AT, 2 * i - 1, created)


def series_rows(count: int, rng: random.Random) -> list[dict[str, Any]]:
    return [dict(zip(SERIES_COLUMNS, values, strict=True)) for values in series_values(count, rng)]


def first_date(cadence: Cadence, anchor: date, rng: random.Random) -> date:
    """A first meeting weeks or months before `anchor` that keeps `anchor` on the series' rhythm."""
    if cadence is Cadence.MONTHLY:
        # The same n-th weekday (1st to 4th) some months earlier: the anchor's own position.
        nth = (anchor.day - 1) // 7
        month = anchor.replace(day=1) - timedelta(days=28 * rng.randrange(1, 12))
        month = month.replace(day=1)
        first = month + timedelta(days=(anchor.weekday() - month.weekday()) % 7)
        return first + timedelta(days=7 * min(nth, 3))
    weeks = 2 if cadence is Cadence.BIWEEKLY else 1
    return anchor - timedelta(days=7 * weeks * rng.randrange(1, 26))


def seed(engine: Engine, count: int, away: float = 0.0) -> None:
    if engine.dialect.name == "postgresql":
        seed_by_copy(engine, count, away)
        return
    rng = random.Random(count)
    series = series_rows(count, rng)
    people = [
        {
            "id": person_id,
            "workspace_id": 1,
            "slack_user_id": f"U{person_id:09d}",
            "timezone": series[(person_id - 1) // 2]["timezone"],
            "timezone_checked_at": SEED_AT,
            "created_at": SEED_AT,
        }
        for person_id in range(1, 2 * count + 1)
    ]
    pairs = [
        {
            "id": i,
            "workspace_id": 1,
            "member_a_id": 2 * i - 1,
            "member_b_id": 2 * i,
            "manager_id": 2 * i - 1,
            "created_at": SEED_AT,
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Workspace), [{"id": 1, "slack_team_id": "TBENCH", "created_at": SEED_AT}])
        time_away = away_rows(2 * count, away, rng)
        for model, rows in ((Person, people), (Pair, pairs), (Series, series), (TimeAway, time_away)):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(model), rows[start : start + 20_000])


def away_rows(people: int, away: float, rng: random.Random) -> list[dict[str, Any]]:
    """`--away`: that share of people have time away set (issue 13), two weeks after DUE_AT, so the due
    tick still prompts every meeting: what is measured is the cost of checking, not of fewer prompts."""
    first_away = DUE_AT.date() + timedelta(days=14)
    return [
        {"person_id": person_id, "first_day": first_away, "last_day": first_away + timedelta(days=6),
         "created_at": SEED_AT}
        for person_id in range(1, people + 1)
        if rng.random() < away
    ]  # fmt: skip


def seed_by_copy(engine: Engine, count: int, away: float) -> None:
    """PostgreSQL: the same rows (the same random draws) through COPY, a million series in about a minute
    where INSERTs of parameter sets took minutes."""
    rng = random.Random(count)
    series = list(series_values(count, rng))
    zone_at = SERIES_COLUMNS.index("timezone")
    with engine.begin() as connection:
        connection.execute(insert(Workspace), [{"id": 1, "slack_team_id": "TBENCH", "created_at": SEED_AT}])
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        people = (
            (person_id, 1, f"U{person_id:09d}", series[(person_id - 1) // 2][zone_at], SEED_AT, SEED_AT)
            for person_id in range(1, 2 * count + 1)
        )
        copy(cursor, "person", PERSON_COLUMNS, people)
        pairs = ((i, 1, 2 * i - 1, 2 * i, 2 * i - 1, SEED_AT) for i in range(1, count + 1))
        copy(
            cursor,
            "pair",
            ("id", "workspace_id", "member_a_id", "member_b_id", "manager_id", "created_at"),
            pairs,
        )
        copy(cursor, "series", SERIES_COLUMNS, (_plain(values) for values in series))
        time_away = away_rows(2 * count, away, rng)
        if time_away:
            connection.execute(insert(TimeAway), time_away)
        # Explicit ids leave the sequences behind; later inserts must not collide.
        for table in ("workspace", "person", "pair", "series", "time_away"):
            sequence = f"pg_get_serial_sequence('{table}', 'id')"
            connection.execute(text(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {table}))"))


PERSON_COLUMNS = ("id", "workspace_id", "slack_user_id", "timezone", "timezone_checked_at", "created_at")


def _plain(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(value.value if isinstance(value, Cadence) else value for value in values)


def copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
        for row in rows:
            stream.write_row(row)


def analyse(engine: Engine) -> None:
    """PostgreSQL's autovacuum analyses a table soon after a bulk change; do it now, as it would."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Process:
    seconds: float
    max_rss_mb: float
    output: str

    @property
    def summary(self) -> str:
        return next((line for line in self.output.splitlines() if line.startswith("tick at")), "?")

    def count(self, what: str) -> int:
        found = re.search(rf"(\d+) {what}", self.output)
        return int(found.group(1)) if found else -1


# Run by a small interpreter of its own: ru_maxrss of a child forked straight from this process would
# count this process's memory (the child borrows it until exec), so a fresh launcher forks the tick.
_LAUNCHER = """
import resource, subprocess, sys
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
code = subprocess.call(sys.argv[1:])
after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"child max RSS: {after} KiB (children before: {before} KiB)")
sys.exit(code)
"""


def tick_process(database_url: str, at: datetime) -> Process:
    """`python -m bot tick --at` as the clock would run it, minus delivery (no SLACK_BOT_TOKEN)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLACK_")}
    env["DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "bot", "tick", "--at", at.isoformat()]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"tick process failed ({done.returncode}):\n{done.stdout}")
    rss = re.search(r"child max RSS: (\d+) KiB \(children before: 0 KiB\)", done.stdout)
    assert rss, done.stdout
    return Process(seconds, int(rss.group(1)) / 1024, done.stdout)  # ru_maxrss is in KiB on Linux


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


class StatementLog:
    """The statements a tick sends, as the driver sees them (for EXPLAIN)."""

    def __init__(self, engine: Engine) -> None:
        self.recording = False
        self.statements: dict[str, Any] = {}
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if not self.recording or statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            return
        self.count += 1
        if many and isinstance(parameters, list | tuple):
            parameters = parameters[0]
        self.statements.setdefault(statement, parameters)

    @contextmanager
    def record(self) -> Iterator[None]:
        self.recording, self.count = True, 0
        try:
            yield
        finally:
            self.recording = False


def explain(engine: Engine, statements: dict[str, Any]) -> list[str]:
    lines = []
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        for statement, parameters in statements.items():
            if statement.lstrip().upper().startswith("INSERT"):
                continue  # an insert's plan is "insert"; the conflict checks use the unique indexes
            lines.append("  " + shorten(statement))
            for row in connection.exec_driver_sql(prefix + statement, parameters):
                detail = row[-1] if engine.dialect.name == "sqlite" else row[0]
                lines.append(f"      {fold(detail)}")
            connection.rollback()
    return lines


def shorten(statement: str) -> str:
    """A statement on one line: IN lists of a thousand ids and long column lists folded."""
    statement = " ".join(statement.split())
    statement = re.sub(r"\((?:\?, ){3,}\?\)", "(?, …)", statement)
    statement = re.sub(r"\((?:%\(\w+\)s(?:::\w+)?, ){3,}%\(\w+\)s(?:::\w+)?\)", "(%s, …)", statement)
    columns = re.match(r"SELECT (.{60,}?) FROM ", statement)
    if columns:
        statement = statement.replace(columns.group(1), columns.group(1)[:40] + " …", 1)
    return fold(statement, width=400)


def fold(line: str, width: int = 200) -> str:
    """A plan row without its array of a thousand ids, cut at `width`."""
    line = re.sub(r"'\{(\d+,){3,}\d+\}'", "'{…}'", line)
    return line if len(line) <= width else line[: width - 1] + "…"


def undo_materialise(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        # Millions of rows: emptied rather than deleted row by row (nothing else refers to them yet).
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE outbox, meeting CASCADE"))
            connection.execute(update(Series).values(materialised_until=SEED_AT))
        vacuum(engine, "series")
        return
    with engine.begin() as connection:
        connection.execute(delete(OutboxMessage))
        connection.execute(delete(Meeting))
        connection.execute(update(Series).values(materialised_until=SEED_AT))


def undo_tick(engine: Engine, at: datetime) -> None:
    """Exactly what the tick at `at` wrote: the prompts it queued (nothing else was due then)."""
    with engine.begin() as connection:
        connection.execute(delete(OutboxMessage).where(OutboxMessage.created_at == at))
        connection.execute(delete(QuestionShown).where(QuestionShown.shown_at == at))
        connection.execute(
            update(Meeting)
            .where(Meeting.prompt_queued_at == at)
            .values(prompt_queued_at=None, question_key=None)
        )
    # As autovacuum would soon after: the next run should not wade through this one's dead rows.
    vacuum(engine, "meeting", "outbox", "question_shown")


def vacuum(engine: Engine, *tables: str) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM ANALYZE {', '.join(tables)}"))


@dataclass
class Figures:
    database: str
    series: int
    seed_s: float = 0.0
    meetings: int = 0
    materialise_s: float = 0.0
    first_tick_s: float = 0.0
    first_tick_queued: int = 0
    first_tick_rss_mb: float = 0.0
    idle_ms: list[float] = field(default_factory=list)
    idle_statements: int = 0
    calendar_read_ms: list[float] = field(default_factory=list)
    due_meetings: int = 0
    due_queued: int = 0
    due_s: list[float] = field(default_factory=list)
    due_cpu_s: list[float] = field(default_factory=list)  # this process only (not PostgreSQL's server)
    load: list[float] = field(default_factory=list)  # 1-minute load average at start and end
    due_tick_rss_mb: float = 0.0
    idle_tick_rss_mb: float = 0.0
    plans: list[str] = field(default_factory=list)

    @property
    def idle_median_ms(self) -> float:
        return statistics.median(self.idle_ms)

    @property
    def due_median_s(self) -> float:
        return statistics.median(self.due_s)

    @property
    def peak_rss_mb(self) -> float:
        return max(self.first_tick_rss_mb, self.due_tick_rss_mb, self.idle_tick_rss_mb)


def measure(
    target: str, count: int, *, idle_runs: int, due_runs: int, say: Callable[[str], None], away: float = 0.0
) -> Figures:
    with fresh_database(target, str(count)) as database:
        figures = Figures(database.kind, count, load=[os.getloadavg()[0]])
        engine = make_engine(database.url)
        # Seeding and undoing touch millions of rows: without the app's 30 s statement timeout.
        admin = create_engine(database.url) if database.kind == "postgresql" else engine
        sessions = make_session_factory(engine)
        log = StatementLog(engine)
        try:
            figures.seed_s, _ = timed(lambda: seed(admin, count, away))
            say(
                f"seeded {count:,} series in {figures.seed_s:.1f} s"
                + (f", {away:.0%} of people away" if away else "")
            )

            figures.materialise_s, figures.meetings = timed(lambda: materialise_due(sessions, SEED_AT))
            say(f"materialise_due: {figures.meetings:,} meetings in {figures.materialise_s:.1f} s")
            undo_materialise(admin)

            first = tick_process(database.url, SEED_AT)
            figures.first_tick_s, figures.first_tick_rss_mb = first.seconds, first.max_rss_mb
            figures.first_tick_queued = first.count("messages queued")
            assert first.count("meetings materialised") == figures.meetings, first.output
            say(f"first tick (process): {first.summary}; {first.max_rss_mb:.0f} MB")
            analyse(admin)

            for _ in range(idle_runs):
                seconds, report = timed(lambda: run_tick(sessions, IDLE_AT))
                assert report.meetings_materialised == report.messages_queued == 0, report
                figures.idle_ms.append(seconds * 1000)
            with log.record():
                run_tick(sessions, IDLE_AT)
            figures.idle_statements = log.count
            say(f"idle tick: median {figures.idle_median_ms:.1f} ms over {idle_runs} runs")
            # The tick process (and the clock, every minute) also looks for calendars due a read: nobody
            # here has one, so this is the cost of looking.
            for _ in range(3):
                seconds, _ = timed(lambda: read_due_calendars(sessions, IDLE_AT, allow_private=False))
                figures.calendar_read_ms.append(seconds * 1000)
            say(f"calendars due a read, looked for: {statistics.median(figures.calendar_read_ms):.1f} ms")

            with engine.connect() as connection:
                unqueued = Meeting.prompt_queued_at.is_(None)
                figures.due_meetings = connection.scalar(
                    select(func.count()).where(Meeting.prompt_at == DUE_AT, unqueued)
                )
            for run in range(due_runs):
                recording = log.record() if run == 0 else _nothing()
                with recording:
                    cpu = time.process_time()
                    seconds, report = timed(lambda: run_tick(sessions, DUE_AT))
                    figures.due_cpu_s.append(time.process_time() - cpu)
                assert report.messages_queued == 2 * figures.due_meetings, (report, figures.due_meetings)
                figures.due_s.append(seconds)
                figures.due_queued = report.messages_queued
                undo_tick(admin, DUE_AT)
            say(f"due tick: {figures.due_queued:,} messages for {figures.due_meetings:,} meetings, "
                f"median {figures.due_median_s:.2f} s")  # fmt: skip
            figures.plans = explain(engine, log.statements)

            due = tick_process(database.url, DUE_AT)
            assert due.count("messages queued") == figures.due_queued, due.output
            figures.due_tick_rss_mb = due.max_rss_mb
            idle = tick_process(database.url, DUE_AT)  # the same instant again: nothing left to do
            assert idle.count("messages queued") == 0, idle.output
            figures.idle_tick_rss_mb = idle.max_rss_mb
            say(f"processes: due tick {due.max_rss_mb:.0f} MB, idle tick {idle.max_rss_mb:.0f} MB")
            figures.load.append(os.getloadavg()[0])
        finally:
            engine.dispose()
            admin.dispose()
    return figures


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# --- reporting ---------------------------------------------------------------------------------


def table(results: list[Figures]) -> list[str]:
    header = (
        "| database | series | meetings | seed | materialise_due | first tick as a process "
        "| idle tick, median (max) | due tick: meetings → messages | due tick, median (min–max) "
        "| due tick CPU here | peak RSS: first / due / idle tick | calendar look-up | load avg |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for f in results:
        lines.append(
            f"| {f.database} | {f.series:,} | {f.meetings:,} | {f.seed_s:.1f} s | {f.materialise_s:.1f} s "
            f"| {f.first_tick_s:.1f} s, {f.first_tick_queued:,} messages "
            f"| {f.idle_median_ms:.1f} ms ({max(f.idle_ms):.1f} ms) "
            f"| {f.due_meetings:,} → {f.due_queued:,} | {f.due_median_s:.2f} s "
            f"({min(f.due_s):.2f}–{max(f.due_s):.2f} s) | {statistics.median(f.due_cpu_s):.2f} s "
            f"| {f.first_tick_rss_mb:.0f} / {f.due_tick_rss_mb:.0f} / {f.idle_tick_rss_mb:.0f} MB "
            f"| {statistics.median(f.calendar_read_ms):.1f} ms "
            f"| {' → '.join(f'{x:.1f}' for x in f.load)} |"
        )
    return lines


def exponent(sizes: Sequence[float], costs: Sequence[float]) -> float | None:
    """k in cost ~ size^k: the least-squares slope of log cost against log size (1 linear, 0 flat)."""
    if len(sizes) < 2 or min(costs) <= 0:
        return None
    xs, ys = [math.log(x) for x in sizes], [math.log(y) for y in costs]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def growth(results: list[Figures]) -> list[str]:
    """How each cost grows with the series: the exponent over every size, and between neighbours."""
    measures: dict[str, Callable[[Figures], float]] = {
        "materialise_due": lambda f: f.materialise_s,
        "first tick": lambda f: f.first_tick_s,
        "idle tick": lambda f: f.idle_median_ms,
        "due tick": lambda f: f.due_median_s,
        "peak RSS": lambda f: f.peak_rss_mb,
    }
    lines = []
    for kind in sorted({f.database for f in results}):
        runs = sorted((f for f in results if f.database == kind), key=lambda f: f.series)
        if len(runs) < 2:
            continue
        sizes = [f.series for f in runs]
        lines.append(
            f"{kind}, growth exponent k (cost ~ series^k; 1 linear, 0 flat, > 1 worse), "
            f"{' → '.join(f'{size:,}' for size in sizes)} series:"
        )
        for name, measure in measures.items():
            costs = [measure(f) for f in runs]
            fit = exponent(sizes, costs)
            steps = [exponent(sizes[i : i + 2], costs[i : i + 2]) for i in range(len(runs) - 1)]
            lines.append(
                f"  {name}: k = {_k(fit)} over all sizes (steps: {', '.join(_k(step) for step in steps)})"
            )
        per_meeting = [f"{1e6 * f.due_median_s / f.due_meetings:.0f}" for f in runs if f.due_meetings]
        per_row = [f"{1e6 * f.materialise_s / f.meetings:.1f}" for f in runs if f.meetings]
        lines.append(f"  due tick per due meeting: {' → '.join(per_meeting)} µs")
        lines.append(f"  materialise_due per meeting made: {' → '.join(per_row)} µs")
    return lines


def _k(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def verdicts(results: list[Figures]) -> list[str]:
    lines = []
    for f in results:
        due_target = TARGET_DUE_S_PER_MEETING * f.due_meetings
        checks = [
            (
                f"idle tick {f.idle_median_ms:.1f} ms <= {TARGET_IDLE_MS} ms",
                f.idle_median_ms <= TARGET_IDLE_MS,
            ),
            (f"due tick {f.due_median_s:.2f} s <= {due_target:.2f} s", f.due_median_s <= due_target),
            (f"peak RSS {f.peak_rss_mb:.0f} MB <= {TARGET_RSS_MB} MB", f.peak_rss_mb <= TARGET_RSS_MB),
        ]
        marks = ", ".join(f"{label}: {'ok' if ok else 'MISSED'}" for label, ok in checks)
        lines.append(f"{f.database} {f.series:,} series ({f.due_meetings:,} prompts due): {marks}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, help="one size only (default: --sizes)")
    parser.add_argument("--sizes", default="10000,30000,100000", help="comma-separated series counts")
    parser.add_argument(
        "--database-url",
        action="append",
        help="a PostgreSQL server to create fresh databases on, or 'sqlite' (repeatable; default: SQLite, "
        "plus TEST_DATABASE_URL's server when set, as under scripts/with-postgres)",
    )
    parser.add_argument("--idle-runs", type=int, default=20)
    parser.add_argument("--due-runs", type=int, default=3)
    parser.add_argument("--away", type=float, default=0.0, help="share of people with time away set (0.1)")
    args = parser.parse_args(argv)
    sizes = [args.series] if args.series else [int(size) for size in args.sizes.split(",")]
    targets = args.database_url or ["sqlite", *filter(None, [os.environ.get("TEST_DATABASE_URL")])]

    def say(message: str) -> None:
        print(f"  {message}", flush=True)

    results = []
    for target in targets:
        for count in sizes:
            print(f"{'sqlite' if target == 'sqlite' else 'postgresql'}, {count:,} series:", flush=True)
            results.append(
                measure(
                    target, count, idle_runs=args.idle_runs, due_runs=args.due_runs, say=say, away=args.away
                )
            )

    when = f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores"
    print(f"\nScheduler scale, {when}, meetings kept {HORIZON.days} days ahead")
    print("\n".join(table(results)))
    print()
    print("\n".join(growth(results)))
    print("\n".join(verdicts(results)))
    for f in results:
        if f.series == max(sizes):
            print(f"\nQuery plans, {f.database}, {f.series:,} series (an idle tick, then the due tick):")
            print("\n".join(f.plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
