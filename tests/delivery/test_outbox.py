"""The outbox against the Slack emulator: idempotent enqueue, claims, retries, rate limits, privacy.

Time is passed in: rate-limit waits go through a fake waiter that moves the app's clock and the
emulator's, or Slack answers Retry-After 0. No test sleeps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.delivery.background import BackgroundDeliverer, deliver_until_idle
from bot.delivery.jobs import Renderer
from bot.delivery.passes import deliver_all_due, deliver_due
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import build_delivery_client
from bot.domain.outbox import DeliveryStatus, backoff
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, Workspace
from emulator.web_api import BOT_TOKEN, TEAM_ID, RateLimits, SlackEmulator
from tests.conftest import START, FakeClock

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


def queue_dms(sessions: SessionFactory, emulator: SlackEmulator, dms: dict[str, str]) -> dict[str, int]:
    """A DM queued per key, in order, to its Slack user; the people are added first, in the order they are
    first named. Returns their person ids by Slack id."""
    users = list(dict.fromkeys(dms.values()))
    people = dict(zip(users, add_people(sessions, emulator, *users), strict=True))
    for key, user in dms.items():
        queue(sessions, key, recipient_id=people[user])
    return people


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
    alice = queue_dms(sessions, emulator, {"a": ALICE})[ALICE]
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


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"key": "k", "kind": "test", "now": NOW, "recipient_id": 1, "colour": "red"}, "unknown"),
        ({"key": "k", "kind": "test", "recipient_id": 1}, "missing"),
    ],
)
def test_enqueue_many_rejects_a_row_it_would_misread(
    sessions: SessionFactory, row: dict[str, Any], problem: str
) -> None:
    with sessions() as session, pytest.raises(ValueError, match=problem):
        outbox.enqueue_many(session, [row])


def test_a_request_knows_whether_it_queued_anything(
    sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    # The Slack rim kicks the deliverer once for a request that queued a message, and only then.
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "a", recipient_id=alice)
    with outbox.watching() as queued:
        assert queue(sessions, "a", recipient_id=alice) is False
        assert queued() is False
        assert queue(sessions, "b", recipient_id=alice) is True
        assert queued() is True
    with outbox.watching() as queued:
        assert queued() is False  # a new request starts afresh


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


def test_the_oldest_message_is_claimed_first_even_if_a_newer_one_became_due_sooner(
    sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "old", now=NOW + timedelta(minutes=5), recipient_id=alice)  # e.g. waiting for a retry
    queue(sessions, "new", now=NOW, recipient_id=alice)
    with sessions.begin() as session:
        [claimed] = outbox.claim_due(
            session, NOW + timedelta(minutes=10), limit=1, lease=timedelta(minutes=2)
        )
    assert claimed == row(sessions, "old").id


def test_release_gives_back_only_the_claims_named(sessions: SessionFactory, emulator: SlackEmulator) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    for key in ("a", "b"):
        queue(sessions, key, recipient_id=alice)
    lease = timedelta(minutes=2)
    with sessions.begin() as session:
        first, _ = outbox.claim_due(session, NOW, limit=2, lease=lease)
    with sessions.begin() as session:
        outbox.release(session, [first], NOW + lease)
        outbox.release(session, [], NOW + lease)
    assert (row(sessions, "a").claimed_until, row(sessions, "b").claimed_until) == (None, NOW + lease)
    assert row(sessions, "a").next_attempt_at == NOW  # its schedule is left alone
    with sessions.begin() as session:
        assert outbox.claim_due(session, NOW, limit=2, lease=lease) == [first]


def test_a_sender_whose_claim_ran_out_cannot_release_the_claim_that_replaced_it(
    sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    (alice,) = add_people(sessions, emulator, ALICE)
    queue(sessions, "a", recipient_id=alice)
    lease = timedelta(minutes=2)
    with sessions.begin() as session:
        [held] = outbox.claim_due(session, NOW, limit=1, lease=lease)
    with sessions.begin() as session:  # the first sender stalled; another takes the row over
        assert outbox.claim_due(session, NOW + lease, limit=1, lease=lease) == [held]
    with sessions.begin() as session:
        outbox.release(session, [held], NOW + lease)  # the stalled sender, late
    assert row(sessions, "a").claimed_until == NOW + 2 * lease


# ------------------------------------------------------------------------------------------- delivery


def test_a_dm_goes_to_the_user_id_and_the_dm_slack_answers_is_kept(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    alice = queue_dms(sessions, emulator, {"one": ALICE, "two": ALICE})[ALICE]

    assert deliver(sessions, client) == DeliveryReport(sent=2)

    dm = emulator.dm_channel_for(ALICE)
    assert dm is not None and dm.startswith("D")
    assert emulator.calls("conversations.open") == []  # Tier 3: kept for group DMs
    assert [c.args["channel"] for c in emulator.calls("chat.postMessage")] == [ALICE, dm]
    with sessions() as session:
        assert session.get(Person, alice).dm_channel_id == dm  # type: ignore[union-attr]
    sent = rows(sessions)
    assert [m["text"] for m in emulator.messages(dm)] == [f"hello {m.id}" for m in sent]
    for message in sent:
        assert message.status == DeliveryStatus.SENT
        assert (message.sent_channel_id, message.sent_at, message.claimed_until) == (dm, NOW, None)
    call = emulator.calls("chat.postMessage")[0]
    assert call.args["unfurl_links"] is False and call.args["unfurl_media"] is False


def test_a_group_dm_is_opened_with_conversations_open(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    alice, bob = add_people(sessions, emulator, ALICE, BOB)
    queue(sessions, "group", params={"group": [alice, bob]})

    assert deliver(sessions, client) == DeliveryReport(sent=1)

    (opened,) = emulator.calls("conversations.open")
    group = opened.response["channel"]["id"]
    assert sorted(emulator.members(group) or []) == sorted([ALICE, BOB, "UBOT0001"])
    assert row(sessions, "group").sent_channel_id == group
    with sessions() as session:  # a group DM is nobody's own DM
        assert session.get(Person, alice).dm_channel_id is None  # type: ignore[union-attr]


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
        # A ts is unique within its channel only: the same one elsewhere is another message.
        assert outbox.find_sent(session, "D0OTHER", prompt.sent_ts) is None


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
    queue_dms(sessions, emulator, {"first": ALICE, "second": ALICE, "third": ALICE})
    emulator.fail_next("chat.postMessage", status=429, retry_after=30)

    report = deliver(sessions, client)
    assert report == DeliveryReport(deferred=1, rate_limited=True)
    assert report.resume_at == NOW + timedelta(seconds=30)
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
    queue_dms(sessions, emulator, {"k": ALICE})
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
    queue_dms(sessions, emulator, {"k": ALICE, "next": ALICE})
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
    queue_dms(sessions, emulator, {"k": ALICE})
    nobody_listens = build_delivery_client(BOT_TOKEN, "http://127.0.0.1:1/api/")

    assert deliver(sessions, nobody_listens) == DeliveryReport(retried=1)
    assert row(sessions, "k").last_error == "URLError"
    assert row(sessions, "k").attempts == 1


@pytest.mark.parametrize("error", ["user_not_found", "account_inactive"])
def test_a_permanent_error_fails_the_message_for_good(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, error: str
) -> None:
    queue_dms(sessions, emulator, {"k": ALICE})
    emulator.fail_next("chat.postMessage", status=200, error=error)

    assert deliver(sessions, client) == DeliveryReport(failed=1)
    failed = row(sessions, "k")
    assert (failed.status, failed.last_error, failed.claimed_until) == (DeliveryStatus.FAILED, error, None)
    assert deliver(sessions, client, NOW + timedelta(days=2)) == DeliveryReport()
    assert len(emulator.calls("chat.postMessage")) == 1


def test_a_dm_to_a_deactivated_user_fails_for_good(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    gone, alice = add_people(sessions, emulator, "UGONE001", ALICE)
    emulator.add_user("UGONE001", deleted=True)
    queue(sessions, "gone", recipient_id=gone)
    queue(sessions, "alice", recipient_id=alice)

    assert deliver(sessions, client) == DeliveryReport(sent=1, failed=1)
    # chat.postMessage: "You might receive a channel_not_found error if your app doesn't have permission
    # to enter into a DM with the intended user."
    assert row(sessions, "gone").last_error == "channel_not_found"
    assert deliver(sessions, client, NOW + timedelta(days=1)) == DeliveryReport()
    with sessions() as session:
        assert session.get(Person, gone).dm_channel_id is None  # type: ignore[union-attr]


def test_a_rate_limited_conversations_open_holds_back_only_group_dms(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    alice, bob, carol = add_people(sessions, emulator, ALICE, BOB, CAROL)
    queue(sessions, "group-1", params={"group": [alice, bob]})
    queue(sessions, "carol", recipient_id=carol)
    queue(sessions, "group-2", params={"group": [alice, bob]})
    queue(sessions, "alice", recipient_id=alice)
    emulator.fail_next("conversations.open", status=429, retry_after=5)

    report = deliver(sessions, client)

    assert report == DeliveryReport(sent=2, deferred=2)  # the others went on: no stop
    assert report.resume_at == NOW + timedelta(seconds=5)
    assert len(emulator.calls("conversations.open")) == 1  # group-2 did not ask again
    for key in ("group-1", "group-2"):
        held = row(sessions, key)
        assert (held.status, held.attempts, held.next_attempt_at) == (
            DeliveryStatus.PENDING,
            0,
            NOW + timedelta(seconds=5),
        )
    assert deliver(sessions, client, NOW + timedelta(seconds=5)) == DeliveryReport(sent=2)
    assert row(sessions, "group-1").sent_channel_id == row(sessions, "group-2").sent_channel_id
    assert posted(emulator) == Counter(texts_of(rows(sessions)))


def test_a_busy_channel_waits_while_the_others_go_on(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {"a1": ALICE, "a2": ALICE, "b": BOB, "a3": ALICE, "c": CAROL})
    slack_time = Seconds()
    emulator.enforce_rate_limits(RateLimits(post_channel_burst=2), clock=slack_time)

    report = deliver(sessions, client)

    assert report == DeliveryReport(sent=4, deferred=1)
    assert report.resume_at == NOW + timedelta(seconds=1)
    assert row(sessions, "a3").next_attempt_at == NOW + timedelta(seconds=1)
    assert row(sessions, "c").status == DeliveryStatus.SENT  # after alice's limit, carol still got hers
    slack_time.now += 1
    assert deliver(sessions, client, NOW + timedelta(seconds=1)) == DeliveryReport(sent=1)
    assert posted(emulator) == Counter(texts_of(rows(sessions)))


def test_two_rate_limits_in_a_row_stop_the_pass(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {"a1": ALICE, "b1": BOB, "a2": ALICE, "b2": BOB, "c1": CAROL})
    emulator.enforce_rate_limits(RateLimits(post_channel_burst=1), clock=Seconds())

    report = deliver(sessions, client)

    # a2's 429 looks like alice's own limit; b2's right after it is taken for the workspace's.
    assert report == DeliveryReport(sent=2, deferred=2, rate_limited=True)
    assert len(emulator.calls("chat.postMessage")) == 4
    assert row(sessions, "c1").next_attempt_at == NOW  # not tried, handed back


def test_a_held_channel_stays_held_in_the_next_batch(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {"a1": ALICE, "a2": ALICE, "a3": ALICE, "b1": BOB})
    emulator.enforce_rate_limits(RateLimits(post_channel_burst=1), clock=Seconds())

    report = deliver_all_due(sessions, client, render, NOW, limit=2)

    assert report == DeliveryReport(sent=2, deferred=2)
    assert len(emulator.calls("chat.postMessage")) == 3  # a3 waited without asking Slack again
    assert row(sessions, "a3").next_attempt_at == NOW + timedelta(seconds=1)


def test_a_workspace_rate_limit_stops_the_pass(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {f"k{i}": user for i, user in enumerate((ALICE, BOB, CAROL, "UDAVE001"))})
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=60, post_workspace_burst=2), clock=Seconds()
    )

    report = deliver(sessions, client)

    assert report == DeliveryReport(sent=2, deferred=1, rate_limited=True)
    assert len(emulator.calls("chat.postMessage")) == 3  # the fourth was not tried
    assert (row(sessions, "k3").next_attempt_at, row(sessions, "k3").claimed_until) == (NOW, None)


def test_an_obsolete_message_is_dropped_unsent(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {"k": ALICE})

    assert deliver(sessions, client, renderer=lambda session, row: None) == DeliveryReport(dropped=1)
    assert row(sessions, "k").status == DeliveryStatus.DROPPED
    assert emulator.calls() == []
    assert deliver(sessions, client, NOW + timedelta(days=1)) == DeliveryReport()


def test_a_renderer_bug_keeps_the_message_for_the_fix(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    queue_dms(sessions, emulator, {"k": ALICE})

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
    queue_dms(sessions, emulator, {f"k{i}": user for i, user in enumerate((ALICE, BOB, CAROL, "UDAVE001"))})
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


# ------------------------------------------------------------------------------------------- until idle


class Seconds:
    """The emulator's rate-limit clock (monotonic seconds), moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeWaits:
    """A Waiter that moves the app's clock and the emulator's instead of sleeping, and records each wait."""

    def __init__(self, clock: FakeClock, slack_time: Seconds | None = None, stop_after: int | None = None):
        self.clock, self.slack_time, self.stop_after = clock, slack_time, stop_after
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.clock.set(self.clock() + timedelta(seconds=seconds))
        if self.slack_time is not None:
            self.slack_time.now += seconds
        return self.stop_after is not None and len(self.waits) >= self.stop_after


def test_until_idle_waits_out_each_retry_after_and_finishes(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    queue_dms(sessions, emulator, {f"k{i}": f"UPERSON{i:02d}" for i in range(5)})
    slack_time = Seconds()
    emulator.enforce_rate_limits(
        RateLimits(post_per_workspace_per_minute=60, post_workspace_burst=2), clock=slack_time
    )
    waits = FakeWaits(clock, slack_time)

    report = deliver_until_idle(sessions, client, render, clock, wait=waits)

    assert report == DeliveryReport(sent=5, deferred=3, rate_limited=True)
    assert report.resume_at is None  # nothing left waiting
    assert waits.waits == [1.0, 1.0, 1.0]  # exactly Retry-After each time: one message a second
    assert posted(emulator) == Counter(texts_of(rows(sessions)))
    assert all(m.status == DeliveryStatus.SENT and m.attempts == 0 for m in rows(sessions))


def test_until_idle_goes_straight_on_after_retry_after_zero(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    queue_dms(sessions, emulator, {"a": ALICE, "b": BOB})
    emulator.fail_next("chat.postMessage", status=429, retry_after=0, times=3)
    waits = FakeWaits(clock)

    assert deliver_until_idle(sessions, client, render, clock, wait=waits).sent == 2
    assert waits.waits == []
    assert posted(emulator) == Counter(texts_of(rows(sessions)))


def test_until_idle_leaves_a_long_wait_to_the_next_tick(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    queue_dms(sessions, emulator, {"k": ALICE})
    emulator.fail_next("chat.postMessage", status=429, retry_after=120)
    waits = FakeWaits(clock)

    report = deliver_until_idle(sessions, client, render, clock, wait=waits, max_wait=timedelta(minutes=1))

    assert (report.sent, report.resume_at, waits.waits) == (0, NOW + timedelta(seconds=120), [])
    assert row(sessions, "k").next_attempt_at == NOW + timedelta(seconds=120)


def test_until_idle_stops_when_its_wait_is_cut_short(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    queue_dms(sessions, emulator, {"k": ALICE})
    emulator.fail_next("chat.postMessage", status=429, retry_after=5)
    waits = FakeWaits(clock, stop_after=1)

    report = deliver_until_idle(sessions, client, render, clock, wait=waits)

    assert (report.sent, waits.waits) == (0, [5.0])
    assert row(sessions, "k").status == DeliveryStatus.PENDING  # kept for the next run


# ------------------------------------------------------------------------------------------- background


def test_a_kick_delivers_in_the_background(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    alice = queue_dms(sessions, emulator, {"a": ALICE, "b": BOB})[ALICE]
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
    queue_dms(sessions, emulator, {"a": ALICE})
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


def test_the_background_deliverer_waits_out_a_rate_limit_and_goes_on(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient, clock: FakeClock
) -> None:
    queue_dms(sessions, emulator, {"a": ALICE, "b": BOB})
    emulator.fail_next("chat.postMessage", status=429, retry_after=3)
    waits = FakeWaits(clock)
    deliverer = BackgroundDeliverer(sessions, client, render, clock, wait=waits)
    try:
        deliverer.kick()  # one kick: no tick needed to finish after the 429
        emulator.wait_for("chat.postMessage", count=2)
    finally:
        deliverer.stop()

    assert waits.waits == [3.0]
    assert all(m.status == DeliveryStatus.SENT for m in rows(sessions))


def test_stopping_cuts_a_real_rate_limit_wait_short(
    sessions: SessionFactory, emulator: SlackEmulator, client: WebClient
) -> None:
    queue_dms(sessions, emulator, {"a": ALICE})
    # Two posts a minute and no burst: Retry-After 30. With the default (real) wait the deliverer
    # would sit out Slack's 30 seconds, but stop() ends the wait.
    emulator.enforce_rate_limits(RateLimits(post_per_workspace_per_minute=2, post_workspace_burst=0))
    deliverer = BackgroundDeliverer(sessions, client, render, lambda: NOW)
    deliverer.kick()
    (limited,) = emulator.wait_for("chat.postMessage", include_errors=True)
    started = time.monotonic()
    deliverer.stop(timeout=5)

    assert time.monotonic() - started < 2
    assert limited.http_status == 429
    assert row(sessions, "a").status == DeliveryStatus.PENDING


def test_build_delivery_client_never_retries_by_itself() -> None:
    client = build_delivery_client(BOT_TOKEN, "http://127.0.0.1:1/api/")
    assert client.retry_handlers == []
    assert client.base_url == "http://127.0.0.1:1/api/"
