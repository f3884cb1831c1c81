"""Delivery at Slack's limits: 2,000 prompts to 2,000 people, against an emulator that enforces them.

    .venv/bin/python benchmarks/delivery_limits.py                  # 2,000 people, SQLite, ~3.5 minutes
    .venv/bin/python benchmarks/delivery_limits.py --people 200     # a quicker look
    scripts/with-postgres .venv/bin/python benchmarks/delivery_limits.py   # on PostgreSQL (TEST_DATABASE_URL)
    .venv/bin/python benchmarks/delivery_limits.py --workspaces 10 --people 1000   # 10 x 1,000, ~100 s

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

With `--workspaces K`, K workspaces are installed through OAuth, each with its own team in the emulator,
its own N people and its own bot token, saved in the installation store (encrypted, as the OAuth flow saves
it): the deliverer sends each message with its workspace's token (`Installed`, bot/delivery/tokens.py), and
the emulator holds each workspace to its own limits. Their rows are queued interleaved (`--order blocked`:
one workspace's after the other's). The minimum is still one workspace's: they may all go at once.

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

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for emulator.web_api

from bot.delivery.background import BackgroundDeliverer
from bot.delivery.slack_calls import build_delivery_client
from bot.delivery.tokens import Clients, Installed, OneToken
from bot.domain.outbox import DeliveryStatus
from bot.now import system_clock
from bot.store import migrations
from bot.store import outbox as outbox_store
from bot.store import people as people_store
from bot.store.db import SessionFactory, engine_of, make_engine, make_session_factory
from bot.store.installations import installation_store
from bot.store.models import OutboxMessage, Person
from emulator.ids import CLIENT_ID
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


def seed(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    teams: list[str],
    people: int,
    now: datetime,
    order: str,
) -> dict[str, list[str]]:
    """N people per workspace (Slack users in the emulator, no DM known yet) and one due message for each;
    the users of each team."""
    users = {team: [f"U{t:02d}B{i:06d}" for i in range(people)] for t, team in enumerate(teams)}
    for team, user_ids in users.items():
        for user_id in user_ids:
            emulator.add_user(user_id, tz="Europe/Berlin", team_id=team)
    with sessions.begin() as session:
        persons: dict[str, list[Person]] = {}
        for team, user_ids in users.items():
            workspace = people_store.workspace(session, team, now)
            persons[team] = [people_store.person(session, workspace.id, u, now) for u in user_ids]
        if order == "blocked":
            queued = [p for team in teams for p in persons[team]]
        else:  # interleaved: the first person of every workspace, then the second, ...
            queued = [persons[team][i] for i in range(people) for team in teams]
        rows = [
            {"key": f"bench:{p.id}", "kind": KIND, "now": now, "recipient_id": p.id, "params": {}}
            for p in queued
        ]
        assert outbox_store.enqueue_many(session, rows) == len(rows)
    return users


def install(emulator: SlackEmulator, sessions: SessionFactory, teams: list[str]) -> Clients:
    """Each workspace installed with its own bot token, saved in the installation store as the OAuth flow
    saves it; the deliverer's clients find each job's token there (OAuth mode)."""
    store = installation_store(CLIENT_ID, [Fernet.generate_key().decode()], engine_of(sessions))
    for team in teams:
        if team != TEAM_ID:
            emulator.add_workspace(team, team.lower())
        token = emulator.add_bot_token(team)
        bot_user = emulator.workspace(team).bot_user_id
        store.save(
            Installation(
                app_id="A0BENCH",
                team_id=team,
                bot_token=token,
                bot_id="B0BENCH",
                bot_user_id=bot_user,
                bot_scopes="chat:write,im:write",
                user_id=f"U{team}ADMIN",
                token_type="bot",
            )
        )
    return Installed(store, base_url=emulator.url)


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
    cpu: float = 0.0  # this process's CPU seconds while delivering: the bot's and the emulator's, both
    per_workspace: dict[str, float] | None = None  # team -> seconds to its last message (--workspaces)

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
            # Not more often: `done` counts every call so far, which costs the deliverer CPU at 10,000 calls.
            # The time taken is the last post's, not when this noticed it.
            time.sleep(0.25)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not delivered within {timeout:.0f} s")


def run(
    people: int, database_url: str, limits: RateLimits, timeout: float, workspaces: int = 0, order: str = ""
) -> Result:
    """`workspaces` 0: one workspace with the one SLACK_BOT_TOKEN; else that many installed through OAuth."""
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    teams = [f"TBENCH{t:03d}" for t in range(workspaces)] if workspaces else [TEAM_ID]
    with SlackEmulator() as emulator:
        clients: Clients = (
            install(emulator, sessions, teams)
            if workspaces
            else OneToken(build_delivery_client(BOT_TOKEN, emulator.url))
        )
        users = seed(sessions, emulator, teams, people, system_clock(), order)
        total = people * len(teams)
        emulator.enforce_rate_limits(limits)
        deliverer = BackgroundDeliverer(sessions, clients, render, system_clock)
        started, finished, cpu = time.time(), True, time.process_time()
        try:
            deliver_like_the_clock(deliverer, lambda: _ok_posts(emulator) >= total, timeout)
        except TimeoutError:
            finished = False
        finally:
            deliverer.stop()
        _settle(sessions)
        ended, cpu = time.time(), time.process_time() - cpu
        result = _check(sessions, emulator, users, limits, started, None if finished else ended)
        result.finished, result.cpu = finished, cpu
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
    users: dict[str, list[str]],
    limits: RateLimits,
    started: float,
    gave_up: float | None,
) -> Result:
    """What arrived where: a message is lost, duplicated, or misdelivered (in someone else's DM, or posted
    as another workspace); the time to each workspace's last message."""
    calls = emulator.calls()
    posts = [c for c in calls if c.method == "chat.postMessage" and c.ok]
    team_of = {user: team for team, user_ids in users.items() for user in user_ids}
    lost = duplicated = misdelivered = 0
    for user_ids in users.values():
        for user_id in user_ids:
            dm = emulator.dm_channel_for(user_id)
            received = emulator.messages(dm) if dm else []
            lost += not received
            duplicated += max(0, len(received) - 1)
            misdelivered += sum(1 for m in received if f"<@{user_id}>" not in m["text"])
    for call in posts:  # posted with another workspace's token: Slack would show it in the wrong company
        addressed = str(call.response.get("channel") or call.args.get("channel"))
        recipient = emulator.members(addressed) or [addressed]
        expected = {team_of[u] for u in recipient if u in team_of}
        misdelivered += bool(expected) and call.team_id not in expected
    last: dict[str, float] = {}
    for call in posts:
        last[str(call.team_id)] = max(last.get(str(call.team_id), started), call.at)
    ends = {team: (gave_up or last.get(team, started)) - started for team in users}
    with sessions() as session:
        not_sent = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != DeliveryStatus.SENT)
        )
    one_workspace = next(iter(users.values()))
    return Result(
        messages=sum(len(u) for u in users.values()),
        seconds=max(ends.values()),
        minimum=limits.minimum_seconds({u: 1 for u in one_workspace}),
        lost=lost,
        duplicated=duplicated,
        misdelivered=misdelivered,
        not_sent=int(not_sent or 0),
        rate_limited=Counter(c.method for c in calls if c.http_status == 429),
        calls=Counter(c.method for c in calls),
        per_workspace=ends if len(users) > 1 or users.keys() != {TEAM_ID} else None,
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
    parser.add_argument(
        "--people", type=int, default=2000, help="recipients, one message each (2000), per workspace"
    )
    parser.add_argument(
        "--workspaces",
        type=int,
        default=0,
        help="install in K workspaces (OAuth), each its own token and limits (default: one SLACK_BOT_TOKEN)",
    )
    parser.add_argument("--order", choices=("interleaved", "blocked"), default="interleaved")
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
    where = f"in each of {args.workspaces} workspaces (OAuth, {args.order})" if args.workspaces else ""
    print(f"delivery at Slack's limits: {args.people} prompts to {args.people} people {where}, {database}")
    print(f"limits: {_describe(limits)}")
    python = platform.python_version()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {python}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    try:
        result = run(args.people, url, limits, args.timeout, args.workspaces, args.order)
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
    if result.per_workspace:
        times = sorted(result.per_workspace.items())
        print("per workspace:  " + ", ".join(f"{team} {seconds:.1f} s" for team, seconds in times))
    print(f"CPU:            {result.cpu:.1f} s (the bot and the emulator, one process)")
    print(f"limits' minimum:{result.minimum:7.1f} s" + (" (one workspace's)" if result.per_workspace else ""))
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
