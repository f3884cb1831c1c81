"""Delivery to many workspaces at once (issue 17): each workspace's messages go in a lane of their own, and a
lane that sits out its workspace's Retry-After holds up no other workspace; still each message exactly once.

Slack's limits are the emulator's (`enforce_rate_limits`, on a clock the test moves); waits are a Waiter
the test controls: nothing sleeps.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.delivery.background import BackgroundDeliverer, deliver_until_idle
from bot.delivery.lanes import LanePass
from bot.delivery.passes import deliver_all_due
from bot.delivery.report import DeliveryReport
from bot.delivery.tokens import Installed
from bot.domain.outbox import DeliveryStatus
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.installations import EncryptedInstallationStore, installation_store
from bot.store.models import OutboxMessage, Person, Workspace
from emulator.ids import CLIENT_ID
from emulator.web_api import RateLimits, SlackEmulator
from tests.conftest import START, FakeClock

NOW = START
TEAM_A, TEAM_B, TEAM_C = "TALPHA001", "TBRAVO001", "TCHARLIE1"
KEY = Fernet.generate_key().decode()


def render(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    return {"text": f"hello {row.key}"}


class SlackTime:
    """The emulator's rate-limit clock (monotonic seconds), moved by the test's waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(engine: Engine) -> EncryptedInstallationStore:
    return installation_store(CLIENT_ID, [KEY], engine)


@pytest.fixture
def slack_time(emulator: SlackEmulator) -> SlackTime:
    return SlackTime()


def workspace(
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    sessions: SessionFactory,
    team_id: str,
    people: int,
) -> tuple[str, list[int]]:
    """A workspace installed with its own bot token, and `people` of its members; the token, their ids."""
    emulator.add_workspace(team_id, team_id.lower())
    token = emulator.add_bot_token(team_id)
    store.save(
        Installation(
            app_id="A0001",
            team_id=team_id,
            bot_token=token,
            bot_id="B0001",
            bot_user_id=emulator.workspace(team_id).bot_user_id,
            bot_scopes="chat:write,im:write",
            user_id=f"U{team_id}",
            token_type="bot",
        )
    )
    users = [f"U{team_id[1:5]}{i:04d}" for i in range(people)]
    for user in users:
        emulator.add_user(user, team_id=team_id)
    with sessions.begin() as session:
        row = Workspace(slack_team_id=team_id, created_at=NOW)
        session.add(row)
        session.flush()
        persons = [Person(workspace_id=row.id, slack_user_id=u, created_at=NOW) for u in users]
        session.add_all(persons)
        session.flush()
        return token, [p.id for p in persons]


def queue(sessions: SessionFactory, dms: dict[str, int]) -> None:
    with sessions.begin() as session:
        for key, person_id in dms.items():
            outbox.enqueue(session, key=key, kind="test", now=NOW, recipient_id=person_id)


def posted(emulator: SlackEmulator, team_id: str | None = None) -> Counter[str]:
    """Each text posted (ok), how often."""
    return Counter(str(c.args["text"]) for c in emulator.calls("chat.postMessage", team_id=team_id) if c.ok)


def statuses(sessions: SessionFactory) -> Counter[DeliveryStatus]:
    with sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.status)))


class Waits:
    """A Waiter that moves the app's clock and Slack's by the seconds asked, at once, from any lane; for
    chosen waits it first does something else (`meanwhile`), as time passing would let others do."""

    def __init__(
        self,
        clock: FakeClock,
        slack_time: SlackTime,
        meanwhile: Callable[[float], None] = lambda _seconds: None,
    ) -> None:
        self.clock, self.slack_time, self.meanwhile = clock, slack_time, meanwhile
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> bool:
        with self._lock:
            self.waits.append(seconds)
        self.meanwhile(seconds)
        with self._lock:
            self.clock.set(self.clock() + timedelta(seconds=seconds))
            self.slack_time.now += seconds
        return False


def test_one_workspace_s_retry_after_does_not_delay_another_s_messages(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clock: FakeClock,
    slack_time: SlackTime,
) -> None:
    # Six messages a minute after a burst of two, per workspace: Retry-After is up to 10 s.
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=6, post_workspace_burst=2), clock=slack_time
    )
    token_a, team_a = workspace(emulator, store, sessions, TEAM_A, 4)
    token_b, team_b = workspace(emulator, store, sessions, TEAM_B, 3)
    # Workspace A spent its burst just before (its other sender, say): 5 s later it has half a message left,
    # so its first one now is told Retry-After 5. B starts full: two go, the third is told 10.
    spender = WebClient(token=token_a, base_url=emulator.url)
    for _ in range(2):
        spender.chat_postMessage(channel=f"U{TEAM_A[1:5]}0003", text="earlier")
    slack_time.now += 5
    queue(sessions, {"a1": team_a[0], "b1": team_b[0], "a2": team_a[1], "b2": team_b[1]})
    queue(sessions, {"a3": team_a[2], "b3": team_b[2]})
    b_done_while_a_waited: list[bool] = []

    def meanwhile(seconds: float) -> None:
        if seconds == 5:  # A's Retry-After: while its lane sits it out, B's lane goes on to the end
            try:
                emulator.wait_for("chat.postMessage", lambda c: c.team_id == TEAM_B, count=3, timeout=5)
            except Exception:
                b_done_while_a_waited.append(False)
            else:
                b_done_while_a_waited.append(True)

    waits = Waits(clock, slack_time, meanwhile)
    clients = Installed(store, base_url=emulator.url)

    report = deliver_until_idle(sessions, clients, render, clock, wait=waits)

    assert b_done_while_a_waited == [True]
    assert sorted(waits.waits) == [5.0, 10.0, 10.0]  # A's 5, B's 10, then A's own 10 for its third
    assert report.sent == 6 and report.resume_at is None
    assert posted(emulator, TEAM_A) == Counter({"earlier": 2, "hello a1": 1, "hello a2": 1, "hello a3": 1})
    assert posted(emulator, TEAM_B) == Counter({"hello b1": 1, "hello b2": 1, "hello b3": 1})
    tokens = {c.args["text"]: c.token for c in emulator.calls("chat.postMessage") if c.ok}
    assert {tokens[f"hello {k}"] for k in ("a1", "a2", "a3")} == {token_a}
    assert {tokens[f"hello {k}"] for k in ("b1", "b2", "b3")} == {token_b}
    assert statuses(sessions) == Counter({DeliveryStatus.SENT: 6})


def test_a_lane_keeps_its_claims_while_it_waits_so_no_other_sender_takes_them(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clock: FakeClock,
    slack_time: SlackTime,
) -> None:
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=6, post_workspace_burst=2), clock=slack_time
    )
    _token, people = workspace(emulator, store, sessions, TEAM_A, 6)
    queue(sessions, {f"a{i}": person for i, person in enumerate(people)})
    other = Installed(store, base_url=emulator.url)  # another process's deliverer, say the web's
    others: list[DeliveryReport] = []
    # Each wait, the other sender looks for due messages; the lane's claims (15 s) would have run out by the
    # second wait (10 s each) had it not renewed them.
    waits = Waits(
        clock, slack_time, lambda _s: others.append(deliver_all_due(sessions, other, render, clock()))
    )
    lanes = LanePass(
        sessions,
        Installed(store, base_url=emulator.url),
        render,
        clock,
        wait=waits,
        max_wait=timedelta(minutes=1),
        lease=timedelta(seconds=15),
    )

    report = lanes.run()

    assert report.sent == 6
    assert waits.waits == [10.0, 10.0, 10.0, 10.0]
    assert others and all(r == DeliveryReport() for r in others)  # nothing was theirs to take
    assert posted(emulator) == Counter({f"hello a{i}": 1 for i in range(6)})
    assert statuses(sessions) == Counter({DeliveryStatus.SENT: 6})


def test_two_senders_with_many_lanes_send_each_message_exactly_once(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clock: FakeClock,
    slack_time: SlackTime,
) -> None:
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=60, post_workspace_burst=3), clock=slack_time
    )
    keys: dict[str, int] = {}
    for team in (TEAM_A, TEAM_B, TEAM_C):
        _token, people = workspace(emulator, store, sessions, team, 8)
        keys.update({f"{team}-{i}": person for i, person in enumerate(people)})
    queue(sessions, keys)
    waits = Waits(clock, slack_time)
    reports: list[DeliveryReport] = []

    def sender() -> None:  # the clock's deliverer and the web's, in two processes
        clients = Installed(store, base_url=emulator.url)
        reports.append(deliver_until_idle(sessions, clients, render, clock, wait=waits, limit=5))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(reports) == 2
    assert sum(r.sent for r in reports) == 24
    assert posted(emulator) == Counter({f"hello {key}": 1 for key in keys})
    assert statuses(sessions) == Counter({DeliveryStatus.SENT: 24})
    for call in emulator.calls("chat.postMessage"):  # each with its own workspace's token
        assert str(call.args["text"]).startswith(f"hello {call.team_id}")


def test_a_retry_after_longer_than_the_pass_waits_ends_only_that_workspace_s_lane(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    store: EncryptedInstallationStore,
    clock: FakeClock,
    slack_time: SlackTime,
) -> None:
    # Two a minute after a burst of one: Retry-After 30 s, beyond a pass that waits at most 20 s.
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=2, post_workspace_burst=1), clock=slack_time
    )
    _a, team_a = workspace(emulator, store, sessions, TEAM_A, 3)
    _b, team_b = workspace(emulator, store, sessions, TEAM_B, 1)
    queue(sessions, {"a1": team_a[0], "a2": team_a[1], "b1": team_b[0], "a3": team_a[2]})
    waits = Waits(clock, slack_time)
    clients = Installed(store, base_url=emulator.url)

    report = deliver_until_idle(sessions, clients, render, clock, wait=waits, max_wait=timedelta(seconds=20))

    assert (report.sent, report.deferred, report.rate_limited) == (2, 1, True)
    assert report.resume_at == NOW + timedelta(seconds=30)
    assert waits.waits == []
    assert posted(emulator) == Counter({"hello a1": 1, "hello b1": 1})
    with sessions() as session:
        held = {
            m.key: m
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.key.in_(["a2", "a3"])))
        }
    assert held["a2"].next_attempt_at == NOW + timedelta(seconds=30)  # the one Slack refused
    assert (held["a3"].next_attempt_at, held["a3"].claimed_until) == (NOW, None)  # handed back untouched


def test_stopping_the_deliverer_cuts_a_lane_s_wait_short_and_hands_its_rows_back(
    sessions: SessionFactory, emulator: SlackEmulator, store: EncryptedInstallationStore
) -> None:
    # Two posts a minute and no burst: Retry-After 30 s, which the background deliverer (really) waits out.
    emulator.enforce_rate_limits(RateLimits(post_per_workspace_per_minute=2, post_workspace_burst=0))
    _token, people = workspace(emulator, store, sessions, TEAM_A, 2)
    queue(sessions, {"a1": people[0], "a2": people[1]})
    deliverer = BackgroundDeliverer(sessions, Installed(store, base_url=emulator.url), render, lambda: NOW)
    deliverer.kick()
    (limited,) = emulator.wait_for("chat.postMessage", include_errors=True)
    started = time.monotonic()
    deliverer.stop(timeout=5)

    assert time.monotonic() - started < 2
    assert limited.http_status == 429
    with sessions() as session:
        rows = {m.key: m for m in session.scalars(select(OutboxMessage))}
    assert {m.status for m in rows.values()} == {DeliveryStatus.PENDING}
    assert rows["a1"].next_attempt_at == NOW + timedelta(seconds=30)  # the one Slack refused
    assert (rows["a2"].next_attempt_at, rows["a2"].claimed_until) == (NOW, None)  # handed back untouched
