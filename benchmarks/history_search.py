"""History search: ten years of weekly meetings of one pair, among many other pairs' rows (issue 14, part 4).

    .venv/bin/python benchmarks/history_search.py                         # SQLite
    scripts/with-postgres .venv/bin/python benchmarks/history_search.py   # SQLite, then PostgreSQL
    DATABASE_URL=postgresql://… .venv/bin/python benchmarks/history_search.py

Results: benchmarks/RESULTS.md, "History search". Target: every search under 100 ms on SQLite.

A fresh database (a SQLite file in a temporary directory; on a PostgreSQL server named by DATABASE_URL or
TEST_DATABASE_URL, a new database, dropped afterwards) is migrated to 0014 and seeded with bulk Core inserts:
one pair with 500 weekly meetings (2016 to 2026), and `--pairs` other pairs with `--meetings` meetings each.
Every meeting has a summary from each person (key points of two to four sentences), three topics, two
action items (some done) and a private note from each person, in words drawn from a vocabulary of 5,000 with
Zipf's law (as in real text, a few words are everywhere and most are rare). A few planted words: one key
point of the pair's from twenty meetings after the first, also in a few hundred other pairs' rows.

Then migration 0015 is timed (it builds the index from the rows already there), PostgreSQL is ANALYZEd (as
its autovacuum would be soon after), and each search below runs `--runs` times after three warm-up runs,
timed with perf_counter around the whole service call a click or command makes
(bot.services.history.history_of_pair: the membership check, the search, the page and what each meeting
recorded). Printed: the median and the 95th percentile of each, and the meetings each found.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.databases

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.services import history
from bot.services.pairs import Actor
from bot.store import migrations, space
from bot.store.db import make_engine, make_session_factory
from bot.store.models import ActionItem, Meeting, Note, Pair, Person, Series, Summary, Topic, Workspace
from tests.databases import throwaway_postgres_database

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2017, 1, 3, 9, 0, tzinfo=UTC)  # the pair's first meeting: 500 weeks before NOW
PAIR = 1  # the pair searched; its people are persons 1 and 2
TEAM = "TBENCH"
TARGET_MS = 100
PLANTED = "zeppelin"  # in the pair's key points of meeting 20, and in OTHER_PLANTED other rows


@dataclass(frozen=True)
class Search:
    name: str
    words: str
    page: int = 0


SEARCHES = [
    Search("list, newest page", ""),
    Search("list, page 60 (2017)", "", 60),
    Search("rare word, once (10 years ago)", PLANTED),
    Search("common word", "w3"),
    Search("two words", "w3 w40"),
    Search("prefix of 3 letters", "w12"),
    Search("prefix of 4 letters", "w100"),
    Search("a word found nowhere", "qqqxyz"),
    Search("500 characters, 32 terms", " ".join(f"w{n}" for n in range(1, 120))[:500]),
    Search("500 characters, 32 prefixes", " ".join(f"w{n}" for n in range(100, 250))[:500]),
]


# --- text --------------------------------------------------------------------------------------


class Words:
    """Words "w1" … "w5000" drawn with Zipf's law: w1 is the most common, each w<n> 1/n as common."""

    def __init__(self, rng: random.Random, size: int = 5000) -> None:
        self.rng = rng
        self.words = [f"w{n}" for n in range(1, size + 1)]
        self.weights = [1 / n for n in range(1, size + 1)]

    def sentence(self, length: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=length)).capitalize() + "."

    def text(self, sentences: int) -> str:
        return " ".join(self.sentence(self.rng.randrange(6, 16)) for _ in range(sentences))


# --- databases ---------------------------------------------------------------------------------


@contextmanager
def fresh_database(target: str) -> Iterator[str]:
    """A new database at migration 0014: a SQLite file in a temporary directory, or one on the server."""
    if target == "sqlite":
        with tempfile.TemporaryDirectory(prefix="history-search-") as directory:
            url = f"sqlite:///{directory}/bench.db"
            migrations.upgrade(url, "0014")
            yield url
        return
    with throwaway_postgres_database(target, "history_search") as url:
        migrations.upgrade(url, "0014")
        yield url


# --- seeding -----------------------------------------------------------------------------------


@dataclass
class Rows:
    tables: dict[Any, list[dict[str, Any]]]

    def add(self, model: Any, **row: Any) -> int:
        rows = self.tables.setdefault(model, [])
        row["id"] = len(rows) + 1
        rows.append(row)
        return row["id"]

    def count(self, model: Any) -> int:
        return len(self.tables.get(model, []))


def seed(engine: Engine, pairs: int, meetings: int, rng: random.Random) -> dict[str, int]:
    words = Words(rng)
    rows = Rows({})
    rows.add(Workspace, slack_team_id=TEAM, created_at=FIRST)
    for pair in range(1, pairs + 2):  # pair 1 is the one searched
        a = rows.add(
            Person, workspace_id=1, slack_user_id=f"U{2 * pair - 1:08d}", timezone="UTC", created_at=FIRST
        )
        b = rows.add(
            Person, workspace_id=1, slack_user_id=f"U{2 * pair:08d}", timezone="UTC", created_at=FIRST
        )
        rows.add(Pair, workspace_id=1, member_a_id=a, member_b_id=b, manager_id=a, created_at=FIRST)
        count = 500 if pair == PAIR else meetings
        start = FIRST if pair == PAIR else NOW - timedelta(weeks=count, hours=rng.randrange(0, 24 * 5))
        series = rows.add(
            Series,
            pair_id=pair,
            cadence=Cadence.WEEKLY,
            weekday=start.weekday(),
            local_time=clock_time(start.hour),
            duration_minutes=30,
            timezone="UTC",
            first_date=start.date(),
            active=True,
            materialised_until=NOW,
            created_by_id=a,
            created_at=start,
        )
        for week in range(count):
            at = start + timedelta(weeks=week)
            meeting = rows.add(
                Meeting,
                series_id=series,
                pair_id=pair,
                local_date=at.date(),
                starts_at=at,
                ends_at=at + timedelta(minutes=30),
                status=MeetingStatus.HELD if rng.random() < 0.9 else MeetingStatus.SKIPPED,
                prompt_at=at - timedelta(days=1),
                created_at=start,
            )
            planted = (pair == PAIR and week == 20) or (pair != PAIR and rng.random() < 0.01)
            record(rows, words, rng, pair, meeting, (a, b), at, planted)
    with engine.begin() as connection:
        for model, table in rows.tables.items():
            for first in range(0, len(table), 5_000):
                connection.execute(insert(model), table[first : first + 5_000])
        if engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for model in rows.tables:
                name = model.__tablename__
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                connection.execute(
                    text(f"SELECT setval({sequence}, (SELECT coalesce(max(id), 1) FROM {name}))")
                )
    return {model.__tablename__: rows.count(model) for model in rows.tables}


def record(
    rows: Rows,
    words: Words,
    rng: random.Random,
    pair: int,
    meeting: int,
    people: tuple[int, int],
    at: datetime,
    planted: bool,
) -> None:
    """What one meeting recorded: a summary and a note from each person, three topics, two action items."""
    after = at + timedelta(minutes=40)
    for nth, person in enumerate(people):
        points = words.text(rng.randrange(2, 5))
        if planted and nth == 0:
            points += f" Agreed to lead the {PLANTED} migration."
        rows.add(
            Summary,
            meeting_id=meeting,
            author_id=person,
            key_points=points,
            source=f"view:{meeting}:{person}",
            created_at=after,
        )
        rows.add(
            Note, pair_id=pair, meeting_id=meeting, author_id=person, text=words.text(1), created_at=after
        )
    for nth in range(3):
        rows.add(
            Topic,
            pair_id=pair,
            meeting_id=meeting,
            author_id=people[nth % 2],
            text=words.sentence(rng.randrange(3, 9)),
            visibility=Visibility.SHARED,
            status=TopicStatus.COVERED,
            held_back=False,
            created_at=at - timedelta(days=1),
        )
    for nth in range(2):
        rows.add(
            ActionItem,
            pair_id=pair,
            meeting_id=meeting,
            owner_id=people[nth],
            created_by_id=people[0],
            text=words.sentence(rng.randrange(4, 10)),
            due_date=date.fromordinal(at.date().toordinal() + 14),
            done_at=after + timedelta(days=3) if rng.random() < 0.8 else None,
            created_at=after,
        )


# --- measuring ---------------------------------------------------------------------------------


def size_mb(engine: Engine) -> float:
    """The database's size on disk (SQLite: the file, once its write-ahead log is copied back into it)."""
    if engine.dialect.name == "sqlite":
        space.checkpoint(engine)
        return Path(str(engine.url.database)).stat().st_size / 2**20
    with engine.connect() as connection:
        return (connection.scalar(text("SELECT pg_database_size(current_database())")) or 0) / 2**20


def timed(work: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    for _ in range(3):
        result = work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def run(target: str, pairs: int, meetings: int, runs: int) -> bool:
    """Seed, migrate and search one database; True when every search on SQLite met the target."""
    with fresh_database(target) as url:
        engine = make_engine(url)
        try:
            kind = engine.dialect.name
            started = time.perf_counter()
            counts = seed(engine, pairs, meetings, random.Random(14))
            seeded = time.perf_counter() - started
            before = size_mb(engine)
            started = time.perf_counter()
            migrations.upgrade(url)
            migrated = time.perf_counter() - started
            grown = f", the database {before:.0f} → {size_mb(engine):.0f} MB"
            if kind == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("ANALYZE"))
            print(
                f"\n{kind}: seeded in {seeded:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items())
            )
            print(f"{kind}: migration 0015 (building the index from those rows) took {migrated:.1f} s{grown}")
            sessions = make_session_factory(engine)
            actor = Actor(TEAM, "U00000001")
            ok = True
            print(f"{'search':<34} {'median':>9} {'p95':>9} {'found':>7}")
            for search in SEARCHES:

                def work(search: Search = search) -> history.HistoryView:
                    return history.history_of_pair(sessions, NOW, actor, PAIR, search.words, search.page)

                times, view = timed(work, runs)
                median, tail = statistics.median(times), p95(times)
                ok = ok and (kind != "sqlite" or tail < TARGET_MS)
                print(f"{search.name:<34} {median:>6.1f} ms {tail:>6.1f} ms {view.total:>7,}")
            return ok
        finally:
            engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=300, help="other pairs (default 300)")
    parser.add_argument("--meetings", type=int, default=100, help="meetings of each other pair (default 100)")
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each search (default 40)")
    parser.add_argument(
        "--database-url", action="append", help="'sqlite' or a PostgreSQL server's URL (repeatable)"
    )
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    targets = args.database_url or [
        "sqlite",
        *([server] if server and server.startswith("postgresql") else []),
    ]
    ok = all([run(target, args.pairs, args.meetings, args.runs) for target in targets])
    print(f"\nSQLite target ({TARGET_MS} ms at p95): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
