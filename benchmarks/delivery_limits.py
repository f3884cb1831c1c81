"""Delivery at Slack's limits: 2,000 prompts to 2,000 people, against an emulator that enforces them.

    .venv/bin/python benchmarks/delivery_limits.py                  # 2,000 people, SQLite, ~3.5 minutes
    .venv/bin/python benchmarks/delivery_limits.py --people 200     # a quicker look
    scripts/with-postgres .venv/bin/python benchmarks/delivery_limits.py   # on PostgreSQL (TEST_DATABASE_URL)

Runs in real time. The Slack emulator (emulator/faults.py) holds every call to Slack's rate limits
(`enforce_rate_limits()`: chat.postMessage about one message per second per channel after a short burst,
and a workspace-wide cap; conversations.open Tier 3, 50 a minute; users.info Tier 4, 100 a minute) and
answers 429 with Retry-After past them. The workspace cap is not a documented number ("several hundred
messages per minute"): the emulator assumes 600 a minute (10 a second) after a burst of 20.

Seeding: one workspace, N Person rows whose Slack users exist in the emulator (no DM opened yet: these are
new recipients), and one outbox row per person, all due now. The rows have their own kind, rendered by this
script's renderer (a prompt-sized message: text, a header, two sections, a button), because a real
"prompt" row needs a real meeting; everything else is production code. Delivery runs the way the clock
process runs it: one BackgroundDeliverer, kicked by every tick (every 60 seconds) until nothing is left.

Printed: messages, time from the first kick to the last message posted, the least time the limits allow
(RateLimits.minimum_seconds: the workspace cap's burst, then its rate), the ratio, messages lost (a person
without the message) and duplicated (a person with more than one), and the 429s seen per method.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for emulator.web_api

from bot.delivery.background import BackgroundDeliverer
from bot.delivery.slack_calls import build_delivery_client
from bot.domain.outbox import DeliveryStatus
from bot.now import system_clock
from bot.store import migrations
from bot.store import outbox as outbox_store
from bot.store import people as people_store
from bot.store.db import SessionFactory, make_engine, make_session_factory
from bot.store.models import OutboxMessage, Person
from emulator.web_api import BOT_TOKEN, TEAM_ID, RateLimits, SlackEmulator

KIND = "benchmark_prompt"
TICK_SECONDS = 60  # bot.clock: one tick a minute


def render(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    """A prompt-sized message, read from the database at send time like the real renderer."""
    person = session.get(Person, row.recipient_id)
    if person is None:
        return None
    text = f"Your 1:1 is tomorrow: anything to talk about? (for <@{person.slack_user_id}>, #{row.id})"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "1:1 tomorrow at 10:00"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Open action items*\n• Draft the RFC"}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "add_topic",
                    "value": str(row.id),
                    "text": {"type": "plain_text", "text": "Add a topic"},
                }
            ],
        },
    ]
    return {"text": text, "blocks": blocks}


def seed(sessions: SessionFactory, emulator: SlackEmulator, people: int, now: datetime) -> list[str]:
    """N people (Slack users in the emulator, no DM known yet) and one due message for each."""
    user_ids = [f"UB{i:07d}" for i in range(people)]
    for user_id in user_ids:
        emulator.add_user(user_id, tz="Europe/Berlin")
    with sessions.begin() as session:
        workspace = people_store.workspace(session, TEAM_ID, now)
        persons = [people_store.person(session, workspace.id, u, now) for u in user_ids]
        rows = [
            {"key": f"bench:{p.id}", "kind": KIND, "now": now, "recipient_id": p.id, "params": {}}
            for p in persons
        ]
        assert outbox_store.enqueue_many(session, rows) == people
    return user_ids


@dataclass
class Result:
    messages: int
    seconds: float
    minimum: float
    lost: int
    duplicated: int
    misdelivered: int
    not_sent: int
    rate_limited: Counter[str]
    calls: Counter[str]
    finished: bool = True

    @property
    def ratio(self) -> float:
        return self.seconds / self.minimum if self.minimum else float("nan")


def deliver_like_the_clock(
    deliverer: BackgroundDeliverer, done: Callable[[], bool], timeout: float, tick: float = TICK_SECONDS
) -> None:
    """Kick the deliverer at once and then every `tick` seconds, as bot.clock's tick does, until done."""
    deadline = time.monotonic() + timeout
    while not done():
        deliverer.kick()
        next_tick = time.monotonic() + tick
        while not done() and time.monotonic() < min(next_tick, deadline):
            time.sleep(0.05)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not delivered within {timeout:.0f} s")


def run(people: int, database_url: str, limits: RateLimits, timeout: float) -> Result:
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with SlackEmulator() as emulator:
        user_ids = seed(sessions, emulator, people, system_clock())
        emulator.enforce_rate_limits(limits)
        client = build_delivery_client(BOT_TOKEN, emulator.url)
        deliverer = BackgroundDeliverer(sessions, client, render, system_clock)
        started, finished = time.time(), True
        try:
            deliver_like_the_clock(deliverer, lambda: _ok_posts(emulator) >= people, timeout)
        except TimeoutError:
            finished = False
        finally:
            deliverer.stop()
        _settle(sessions)
        last = max((c.at for c in emulator.calls("chat.postMessage") if c.ok), default=started)
        result = _check(sessions, emulator, user_ids, limits, (last if finished else time.time()) - started)
        result.finished = finished
    engine.dispose()
    return result


def _ok_posts(emulator: SlackEmulator) -> int:
    return sum(1 for c in emulator.calls("chat.postMessage") if c.ok)


def _settle(sessions: SessionFactory, timeout: float = 10) -> None:
    """Wait for the last outcomes to be recorded (the post is answered before its row is updated)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == DeliveryStatus.PENDING)
            )
        if not pending:
            return
        time.sleep(0.1)


def _check(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    user_ids: list[str],
    limits: RateLimits,
    seconds: float,
) -> Result:
    lost = duplicated = misdelivered = 0
    for user_id in user_ids:
        dm = emulator.dm_channel_for(user_id)
        received = emulator.messages(dm) if dm else []
        lost += not received
        duplicated += max(0, len(received) - 1)
        misdelivered += sum(1 for m in received if f"<@{user_id}>" not in m["text"])
    with sessions() as session:
        not_sent = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != DeliveryStatus.SENT)
        )
    calls = emulator.calls()
    return Result(
        messages=len(user_ids),
        seconds=seconds,
        minimum=limits.minimum_seconds({u: 1 for u in user_ids}),
        lost=lost,
        duplicated=duplicated,
        misdelivered=misdelivered,
        not_sent=int(not_sent or 0),
        rate_limited=Counter(c.method for c in calls if c.http_status == 429),
        calls=Counter(c.method for c in calls),
    )


def _describe(limits: RateLimits) -> str:
    tiers = ", ".join(f"{m} {n}/min" for m, n in limits.per_minute.items())
    return (
        f"chat.postMessage {limits.post_per_channel_per_second:g}/s per channel (burst "
        f"{limits.post_channel_burst}), {limits.post_per_workspace_per_minute}/min per workspace (burst "
        f"{limits.post_workspace_burst}); {tiers}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=2000, help="recipients, one message each (2000)")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"), help="default: SQLite")
    parser.add_argument("--workspace-per-minute", type=int, default=RateLimits.post_per_workspace_per_minute)
    parser.add_argument("--workspace-burst", type=int, default=RateLimits.post_workspace_burst)
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    limits = RateLimits(
        post_per_workspace_per_minute=args.workspace_per_minute, post_workspace_burst=args.workspace_burst
    )
    temp = tempfile.mkdtemp(prefix="delivery-limits-")
    url = args.database_url or f"sqlite:///{Path(temp) / 'bench.db'}"
    database = url.split(":", 1)[0]
    print(f"delivery at Slack's limits: {args.people} prompts to {args.people} people, {database}")
    print(f"limits: {_describe(limits)}")
    python = platform.python_version()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {python}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    try:
        result = run(args.people, url, limits, args.timeout)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    print(f"messages:       {result.messages}")
    if result.finished:
        print(f"time taken:     {result.seconds:.1f} s")
    else:
        done = result.messages - result.lost
        pace = result.seconds / done * result.messages if done else float("inf")
        print(f"time taken:     NOT FINISHED: {done} delivered in {result.seconds:.0f} s (--timeout)")
        print(f"                at that pace all {result.messages} would take about {pace:.0f} s")
    print(f"limits' minimum:{result.minimum:7.1f} s")
    print(f"ratio:          {result.ratio:.3f}" + ("" if result.finished else " (so far; see above)"))
    print(f"lost:           {result.lost} (rows not sent: {result.not_sent})")
    print(f"duplicated:     {result.duplicated} (in the wrong DM: {result.misdelivered})")
    limited = ", ".join(f"{m} {n}" for m, n in sorted(result.rate_limited.items())) or "none"
    print(f"429s seen:      {sum(result.rate_limited.values())} ({limited})")
    print("calls:          " + ", ".join(f"{m} {n}" for m, n in sorted(result.calls.items())))
    failed = result.lost or result.duplicated or result.misdelivered or result.not_sent
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
