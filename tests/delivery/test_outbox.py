"""The outbox against the Slack emulator: idempotent enqueue, claims, retries, rate limits, privacy."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.outbox import (
    BackgroundDeliverer,
    DeliveryReport,
    Renderer,
    build_delivery_client,
    deliver_all_due,
    deliver_due,
)
from bot.domain.outbox import DeliveryStatus, backoff
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, Workspace
from tests.conftest import START, FakeClock
from tests.slack_emulator import BOT_TOKEN, TEAM_ID, SlackEmulator

NOW = START
ALICE, BOB, CAROL = "UALICE01", "UBOB0001", "UCAROL01"
SECRET = "my manager is the problem"


def render(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
    return {"text": f"hello {row.id}"}


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    return build_delivery_client(BOT_TOKEN, emulator.url)


def add_people(sessions: SessionFactory, emulator: SlackEmulator, *user_ids: str) -> list[int]:
    """Person rows (and emulator users) for each Slack id; returns their person ids."""
    with sessions.begin() as session:
        workspace = Workspace(slack_team_id=TEAM_ID, created_at=NOW)
        session.add(workspace)
        session.flush()
        people = [Person(workspace_id=workspace.id, slack_user_id=u, created_at=NOW) for u in user_ids]
        session.add_all(people)
        session.flush()
        ids = [person.id for person in people]
    for user_id in user_ids:
        emulator.add_user(user_id)
    return ids


def queue(sessions: SessionFactory, key: str, *, now: datetime = NOW, **kwargs: Any) -> bool:
    with sessions.begin() as session:
        return outbox.enqueue(session, key=key, kind="test", now=now, **kwargs)


def row(sessions: SessionFactory, key: str) -> OutboxMessage:
    with sessions() as session:
        found = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        assert found is not None
        return found


def rows(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def deliver(
    sessions: SessionFactory, client: WebClient, now: datetime = NOW, renderer: Renderer = render
) -> DeliveryReport:
    return deliver_due(sessions, client, renderer, now)


def posted(emulator: SlackEmulator) -> Counter[str]:
    """How many times each text was successfully posted."""
    return Counter(str(c.args.get("text")) for c in emulator.calls("chat.postMessage") if c.ok)


def texts_of(messages: list[OutboxMessage]) -> set[str]:
    return {f"hello {m.id}" for m in messages}


# ------------------------------------------------------------------------------------------- enqueue


def test_a_duplicate_key_is_queued_and_sent_once(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    assert queue(sessions, "prompt:1:alice", recipient_id=alice) is True
    assert queue(sessions, "prompt:1:alice", recipient_id=alice, params={"other": 1}) is False

    assert [r.key for r in rows(sessions)] == ["prompt:1:alice"]
    assert row(sessions, "prompt:1:alice").params == {}
    assert deliver(sessions, client).sent == 1
    assert queue(sessions, "prompt:1:alice", now=NOW + timedelta(days=1), recipient_id=alice) is False
    assert deliver(sessions, client, NOW + timedelta(days=1)).sent == 0
    assert sum(posted(emulator).values()) == 1


def test_a_duplicate_leaves_the_outer_transaction_usable(
    sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "a", recipient_id=alice)
    with sessions.begin() as session:
        assert outbox.enqueue(session, key="a", kind="test", now=NOW, recipient_id=alice) is False
        assert outbox.enqueue(session, key="b", kind="test", now=NOW, recipient_id=alice) is True
    assert [r.key for r in rows(sessions)] == ["a", "b"]


def test_enqueue_many_counts_only_new_rows(sessions: SessionFactory, emulator: SlackEmulator) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k0", recipient_id=alice)
    batch = [{"key": f"k{i}", "kind": "prompt", "now": NOW, "recipient_id": alice} for i in range(1200)]
    with sessions.begin() as session:
        assert outbox.enqueue_many(session, [*batch, batch[5]]) == 1199
        assert outbox.enqueue_many(session, batch) == 0
        assert outbox.enqueue_many(session, []) == 0
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1200


def test_enqueue_rejects_a_message_with_nowhere_to_go(sessions: SessionFactory) -> None:
    with sessions() as session, pytest.raises(ValueError, match="needs a recipient, a channel"):
        outbox.enqueue(session, key="lost", kind="test", now=NOW)


# ------------------------------------------------------------------------------------------- claims


def test_claims_are_disjoint_and_expire(sessions: SessionFactory, emulator: SlackEmulator) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    for i in range(5):
        queue(sessions, f"k{i}", recipient_id=alice)
    queue(sessions, "later", now=NOW + timedelta(hours=1), recipient_id=alice)
    lease = timedelta(minutes=2)
    with sessions.begin() as session:
        first = outbox.claim_due(session, NOW, limit=3, lease=lease)
    with sessions.begin() as session:
        second = outbox.claim_due(session, NOW, limit=3, lease=lease)
    with sessions.begin() as session:
        none_left = outbox.claim_due(session, NOW + lease - timedelta(seconds=1), limit=10, lease=lease)
    with sessions.begin() as session:
        expired = outbox.claim_due(session, NOW + lease, limit=10, lease=lease)

    assert len(first) == 3 and first == sorted(first)
    assert len(second) == 2 and set(first).isdisjoint(second)
    assert none_left == []
    assert expired == sorted(first + second)  # "later" is still not due


# ------------------------------------------------------------------------------------------- delivery


def test_a_dm_is_opened_once_and_cached_on_the_person(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "one", recipient_id=alice)
    queue(sessions, "two", recipient_id=alice)

    assert deliver(sessions, client) == DeliveryReport(sent=2)

    dm = emulator.dm_channel_for(ALICE)
    assert dm is not None
    assert len(emulator.calls("conversations.open")) == 1
    with sessions() as session:
        assert session.get(Person, alice).dm_channel_id == dm  # type: ignore[union-attr]
    sent = rows(sessions)
    assert [m["text"] for m in emulator.messages(dm)] == [f"hello {m.id}" for m in sent]
    for message in sent:
        assert message.status == DeliveryStatus.SENT
        assert (message.sent_channel_id, message.sent_at, message.claimed_until) == (dm, NOW, None)
    call = emulator.calls("chat.postMessage")[0]
    assert call.args["unfurl_links"] is False and call.args["unfurl_media"] is False


def test_a_reply_goes_into_the_thread_and_maps_back_to_its_prompt(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    emulator.strict_threads = True
    queue(sessions, "prompt", recipient_id=alice)
    deliver(sessions, client)
    prompt = row(sessions, "prompt")
    assert prompt.sent_channel_id and prompt.sent_ts

    queue(sessions, "reply", channel_id=prompt.sent_channel_id, thread_ts=prompt.sent_ts)
    assert deliver(sessions, client).sent == 1

    reply = emulator.messages(prompt.sent_channel_id)[-1]
    assert reply["thread_ts"] == prompt.sent_ts
    assert emulator.calls("chat.postMessage")[-1].args["thread_ts"] == prompt.sent_ts
    with sessions() as session:
        found = outbox.find_sent(session, prompt.sent_channel_id, prompt.sent_ts)
        assert found is not None and found.key == "prompt"
        assert outbox.find_sent(session, prompt.sent_channel_id, "1.000001") is None


def test_delivering_twice_at_the_same_instant_sends_once(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    alice, bob = add_people(sessions, emulator, ALICE, BOB)
    for i in range(3):
        queue(sessions, f"a{i}", recipient_id=alice)
        queue(sessions, f"b{i}", recipient_id=bob)

    assert deliver(sessions, client).sent == 6
    assert deliver(sessions, client) == DeliveryReport()
    assert posted(emulator) == Counter(texts_of(rows(sessions)))


def test_two_senders_at_once_send_each_message_exactly_once(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    people = add_people(sessions, emulator, ALICE, BOB, CAROL)
    for i in range(30):
        queue(sessions, f"k{i}", recipient_id=people[i % 3])
    start = threading.Barrier(2)

    def sender() -> DeliveryReport:
        start.wait()
        return deliver_all_due(sessions, client, render, NOW, limit=4)

    with ThreadPoolExecutor(2) as pool:
        reports = [f.result() for f in [pool.submit(sender), pool.submit(sender)]]

    assert sum(r.sent for r in reports) == 30
    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    assert all(m.status == DeliveryStatus.SENT for m in rows(sessions))


def test_a_rate_limit_stops_the_batch_and_waits_for_retry_after(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    for key in ("first", "second", "third"):
        queue(sessions, key, recipient_id=alice)
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)

    assert deliver(sessions, client) == DeliveryReport(rate_limited=True)
    assert len(emulator.calls("chat.postMessage")) == 1
    first = row(sessions, "first")
    assert (first.attempts, first.claimed_until) == (0, None)
    assert first.next_attempt_at == NOW + timedelta(seconds=30)
    for key in ("second", "third"):  # handed back untouched, due at once
        assert (row(sessions, key).next_attempt_at, row(sessions, key).claimed_until) == (NOW, None)

    assert deliver(sessions, client, NOW + timedelta(seconds=29)).sent == 2
    assert row(sessions, "first").status == DeliveryStatus.PENDING
    assert deliver(sessions, client, NOW + timedelta(seconds=30)).sent == 1
    assert deliver(sessions, client, NOW + timedelta(hours=1)) == DeliveryReport()
    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    assert row(sessions, "first").attempts == 0


def test_a_rate_limit_without_retry_after_waits_a_second(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)
    # The emulator always sends the header; drop it on the way in.
    original = WebClient._perform_urllib_http_request

    def without_header(self: WebClient, *, url: str, args: dict[str, Any]) -> dict[str, Any]:
        response = original(self, url=url, args=args)
        response["headers"] = {k: v for k, v in response["headers"].items() if k.lower() != "retry-after"}
        return response

    monkeypatch.setattr(WebClient, "_perform_urllib_http_request", without_header)
    assert deliver(sessions, client).rate_limited
    assert row(sessions, "k").next_attempt_at == NOW + timedelta(seconds=1)


def test_a_server_error_is_retried_after_backoff(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)
    queue(sessions, "next", recipient_id=alice)
    emulator.fail_next("chat.postMessage", status=500)

    assert deliver(sessions, client) == DeliveryReport(sent=1, retried=1)  # the batch goes on
    failed = row(sessions, "k")
    retry_at = NOW + backoff(1)
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 1)
    assert failed.last_error == "internal_error"
    assert (failed.next_attempt_at, failed.claimed_until) == (retry_at, None)

    assert deliver(sessions, client, retry_at - timedelta(seconds=1)) == DeliveryReport()
    assert deliver(sessions, client, retry_at) == DeliveryReport(sent=1)
    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    assert row(sessions, "k").attempts == 1


def test_a_connection_failure_is_retried(sessions: SessionFactory, emulator: SlackEmulator) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)
    nobody_listens = build_delivery_client(BOT_TOKEN, "http://127.0.0.1:1/api/")

    assert deliver(sessions, nobody_listens) == DeliveryReport(retried=1)
    assert row(sessions, "k").last_error == "URLError"
    assert row(sessions, "k").attempts == 1


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive"])
def test_a_permanent_error_fails_the_message_for_good(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, error: str
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)
    emulator.fail_next("chat.postMessage", status=200, error=error)

    assert deliver(sessions, client) == DeliveryReport(failed=1)
    failed = row(sessions, "k")
    assert (failed.status, failed.last_error, failed.claimed_until) == (DeliveryStatus.FAILED, error, None)
    assert deliver(sessions, client, NOW + timedelta(days=2)) == DeliveryReport()
    assert len(emulator.calls("chat.postMessage")) == 1


def test_conversations_open_errors_count_like_post_errors(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    gone, alice = add_people(sessions, emulator, "UGONE001", ALICE)
    emulator.add_user("UGONE001", deleted=True)
    queue(sessions, "gone", recipient_id=gone)
    queue(sessions, "alice", recipient_id=alice)
    queue(sessions, "alice-2", recipient_id=alice)
    emulator.fail_next("conversations.open", status=200, error="user_disabled")
    emulator.fail_next("conversations.open", status=429, retry_after=5)

    assert deliver(sessions, client) == DeliveryReport(failed=1, rate_limited=True)
    assert row(sessions, "gone").last_error == "user_disabled"
    assert row(sessions, "alice").next_attempt_at == NOW + timedelta(seconds=5)
    assert emulator.calls("chat.postMessage") == []

    assert deliver(sessions, client, NOW + timedelta(seconds=5)).sent == 2
    with sessions() as session:
        assert session.get(Person, gone).dm_channel_id is None  # type: ignore[union-attr]
        assert session.get(Person, alice).dm_channel_id == emulator.dm_channel_for(ALICE)  # type: ignore[union-attr]


def test_an_obsolete_message_is_dropped_unsent(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)

    assert deliver(sessions, client, renderer=lambda session, row: None) == DeliveryReport(dropped=1)
    assert row(sessions, "k").status == DeliveryStatus.DROPPED
    assert emulator.calls() == []
    assert deliver(sessions, client, NOW + timedelta(days=1)) == DeliveryReport()


def test_a_renderer_bug_keeps_the_message_for_the_fix(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "k", recipient_id=alice)

    def broken(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
        raise KeyError("bug")

    assert deliver(sessions, client, renderer=broken) == DeliveryReport(retried=1)
    assert row(sessions, "k").last_error == "render_error"
    assert any(r.exc_info and "renderer failed" in r.getMessage() for r in caplog.records)
    assert deliver(sessions, client, NOW + backoff(1)) == DeliveryReport(sent=1)


def test_every_message_arrives_exactly_once_through_random_faults(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    people = add_people(sessions, emulator, *(f"UPERSON{i:02d}" for i in range(10)))
    with sessions.begin() as session:
        batch = [
            {"key": f"k{i}", "kind": "t", "now": NOW, "recipient_id": people[i % 10]} for i in range(100)
        ]
        new = outbox.enqueue_many(session, batch)
    assert new == 100
    emulator.set_fault_rate(rate_429=0.2, rate_500=0.05, seed=7, retry_after=0)

    now = NOW
    for _ in range(300):
        deliver_all_due(sessions, client, render, now)
        if all(m.status == DeliveryStatus.SENT for m in rows(sessions)):
            break
        now += timedelta(hours=2)

    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    injected = Counter(c.http_status for c in emulator.calls() if c.injected)
    assert injected[429] > 0 and injected[500] > 0


def test_log_lines_never_carry_message_text(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    people = add_people(sessions, emulator, ALICE, BOB, CAROL, "UDAVE001")
    for i, person in enumerate(people):
        queue(sessions, f"k{i}", recipient_id=person)
    emulator.fail_next("chat.postMessage", status=500)
    emulator.fail_next("chat.postMessage", status=200, error="invalid_blocks")
    emulator.fail_next("chat.postMessage", status=429)

    def secret(session: Session, row: OutboxMessage) -> dict[str, Any] | None:
        section = {"type": "section", "text": {"type": "mrkdwn", "text": SECRET}}
        return {"text": SECRET, "blocks": [section]}

    deliver_due(sessions, client, secret, NOW)
    deliver_due(sessions, client, secret, NOW + timedelta(hours=1))

    assert len(emulator.calls("chat.postMessage")) == 6
    assert [r.status for r in rows(sessions)].count(DeliveryStatus.SENT) == 3
    ours = [r for r in caplog.records if r.name.startswith("bot.")]
    assert len(ours) >= 6
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert SECRET not in caplog.text


# ------------------------------------------------------------------------------------------- background


def test_a_kick_delivers_in_the_background(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    alice, bob = add_people(sessions, emulator, ALICE, BOB)
    queue(sessions, "a", recipient_id=alice)
    queue(sessions, "b", recipient_id=bob)
    deliverer = BackgroundDeliverer(sessions, client, render, clock)
    try:
        deliverer.kick()
        deliverer.kick()
        emulator.wait_for("chat.postMessage", count=2)
        queue(sessions, "c", recipient_id=alice)
        deliverer.kick()
        emulator.wait_for("chat.postMessage", count=3)
    finally:
        deliverer.stop()

    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    assert all(m.status == DeliveryStatus.SENT for m in rows(sessions))


class _FailingOnce:
    """A session factory whose first transaction fails, as a database outage would."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self.failed = threading.Event()

    def begin(self) -> Any:
        if not self.failed.is_set():
            self.failed.set()
            raise RuntimeError("database unavailable")
        return self._sessions.begin()

    def __call__(self) -> Session:
        return self._sessions()


def test_the_background_thread_survives_an_error(
    sessions: SessionFactory,
    emulator: SlackEmulator,
    client: WebClient,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "a", recipient_id=alice)
    flaky = _FailingOnce(sessions)
    deliverer = BackgroundDeliverer(flaky, client, render, clock)  # type: ignore[arg-type]
    try:
        deliverer.kick()
        assert flaky.failed.wait(5)
        deliverer.kick()  # the failed pass cleared its wake-up before starting, so this one counts
        emulator.wait_for("chat.postMessage")
    finally:
        deliverer.stop()

    assert any("background outbox delivery failed" in r.getMessage() for r in caplog.records)
    assert row(sessions, "a").status == DeliveryStatus.SENT


def test_build_delivery_client_never_retries_by_itself() -> None:
    client = build_delivery_client(BOT_TOKEN, "http://127.0.0.1:1/api/")
    assert client.retry_handlers == []
    assert client.base_url == "http://127.0.0.1:1/api/"
