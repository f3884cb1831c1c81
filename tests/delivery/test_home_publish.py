"""Publishing Home tabs through the outbox: views.publish, one row per person at a time, paced, and held
back on its own by Slack's rate limit. Against the Slack emulator, with time passed in."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event, select

from bot.delivery.background import deliver_until_idle
from bot.delivery.claims import HOME_MIN_INTERVAL
from bot.delivery.passes import deliver_all_due, deliver_due
from bot.delivery.report import DeliveryReport
from bot.delivery.slack_calls import build_delivery_client
from bot.domain.meetings import GRACE, MAX_NUDGES, MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import home, topics
from bot.services.tick import run_tick
from bot.slack.messages import MessageRenderer
from bot.store import home as home_store
from bot.store import outbox
from bot.store.db import SessionFactory, engine_of
from bot.store.models import Meeting, OutboxMessage, Person, Topic
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.services.conftest import FIRST, FIRST_END, SET_UP, schedule_weekly
from tests.services.people import ALICE, AS_ALICE, AS_BOB, BOB, CAROL, TEAM

T0 = SET_UP


@pytest.fixture
def client(emulator: SlackEmulator) -> WebClient:
    for user in (ALICE, BOB, CAROL):
        emulator.add_user(user)
    return build_delivery_client(BOT_TOKEN, emulator.url)


@pytest.fixture
def pair(sessions: SessionFactory, client: WebClient) -> dict[str, int]:
    """Alice and Bob, weekly (Bob was told); then Alice opened her Home tab at T0, not delivered yet.
    Person ids by Slack id."""
    schedule_weekly(sessions, AS_ALICE, BOB)
    deliver(sessions, client, T0)
    home.opened(sessions, T0, AS_ALICE)
    with sessions() as session:
        return {
            user: person_id for user, person_id in session.execute(select(Person.slack_user_id, Person.id))
        }


def deliver(sessions: SessionFactory, client: WebClient, now: datetime) -> DeliveryReport:
    return deliver_all_due(sessions, client, MessageRenderer(lambda: now), now)


def published(emulator: SlackEmulator, user_id: str) -> list[dict[str, Any]]:
    """The views published to `user_id`, oldest first."""
    return [c.args["view"] for c in emulator.calls("views.publish") if c.ok and c.args["user_id"] == user_id]


def home_rows(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == MessageKind.HOME).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def topics_shown(view: dict[str, Any]) -> str:
    return next(b["text"]["text"] for b in view["blocks"] if "Topics so far" in str(b)).split(
        "Topics so far: "
    )[1]


# ------------------------------------------------------------------------------------------------ delivery


def test_a_home_tab_is_published_to_the_person_and_posts_nothing(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    calls = len(emulator.calls())
    report = deliver(sessions, client, T0)

    assert report.sent == 1
    (view,) = published(emulator, ALICE)
    assert view["type"] == "home" and "1:1 with <@UBOB0001>" in str(view["blocks"])
    assert [c.method for c in emulator.calls()[calls:]] == ["views.publish"]
    (row,) = home_rows(sessions)
    assert (row.key, row.status, row.sent_at) == (f"home:{pair[ALICE]}:sent", "sent", T0)
    with sessions() as session:
        assert session.get(Person, pair[ALICE]).dm_channel_id is None  # type: ignore[union-attr]


def test_a_row_for_someone_who_stopped_being_there_is_dropped_and_frees_its_slot(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    with sessions.begin() as session:
        session.get(Person, pair[ALICE]).home_opened_at = None  # type: ignore[union-attr]
    assert deliver(sessions, client, T0).dropped == 1
    assert [(r.key, r.status) for r in home_rows(sessions)] == [(f"home:{pair[ALICE]}:dropped", "dropped")]
    assert not emulator.calls("views.publish")


def test_two_hundred_topics_in_one_transaction_and_fifty_more_are_two_publishes_the_last_state_last(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    now = T0 + timedelta(hours=1)
    with sessions.begin() as session:
        session.add_all(
            Topic(pair_id=_pair_id(sessions), author_id=pair[BOB], text=f"Topic {n}", created_at=now)
            for n in range(200)
        )
    assert deliver(sessions, client, now).sent == 1  # the row Alice's opening queued, with the 200
    for n in range(50):
        topics.add_topic(sessions, now, AS_BOB, None, f"One more {n}")

    report = deliver(sessions, client, now)

    assert report.sent == 0 and report.deferred == 1  # paced: the last publish was just now
    assert report.resume_at == now + HOME_MIN_INTERVAL
    assert len(published(emulator, ALICE)) == 1
    assert topics_shown(published(emulator, ALICE)[-1]).startswith("0 from you, 200 from")
    assert deliver(sessions, client, now + HOME_MIN_INTERVAL).sent == 1
    assert len(published(emulator, ALICE)) == 2
    assert topics_shown(published(emulator, ALICE)[-1]).startswith("0 from you, 250 from")


def test_the_background_deliverer_waits_out_the_pacing(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    deliver(sessions, client, T0)
    clock = [T0 + timedelta(seconds=2)]
    topics.add_topic(sessions, clock[0], AS_BOB, None, "Soon")
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        clock[0] += timedelta(seconds=seconds)
        return False

    report = deliver_until_idle(
        sessions, client, MessageRenderer(lambda: clock[0]), lambda: clock[0], wait=wait
    )

    assert waits == [3.0]  # the rest of the five seconds since the last publish
    assert report.sent == 1 and len(published(emulator, ALICE)) == 2


def test_a_rate_limited_publish_holds_back_home_tabs_only_and_goes_after_retry_after(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    home.opened(sessions, T0, AS_BOB)  # queued after Alice's
    with sessions.begin() as session:
        outbox.enqueue(session, key="note-for-bob", kind="test", now=T0, recipient_id=pair[BOB])
    emulator.fail_next("views.publish", status=429, retry_after=4)
    calls = len(emulator.calls())

    report = deliver_due(
        sessions,
        client,
        lambda s, r: {"text": "hi"} if r.kind == "test" else MessageRenderer(lambda: T0)(s, r),
        T0,
    )

    assert (report.sent, report.deferred, report.rate_limited) == (1, 2, False)
    # Alice's was limited; Bob's was not even tried (Slack said wait); the message after them went.
    assert [(c.method, c.ok) for c in emulator.calls()[calls:]] == [
        ("views.publish", False),
        ("chat.postMessage", True),
    ]
    assert {r.next_attempt_at for r in home_rows(sessions)} == {T0 + timedelta(seconds=4)}
    assert deliver(sessions, client, T0 + timedelta(seconds=3)).sent == 0
    assert deliver(sessions, client, T0 + timedelta(seconds=4)).sent == 2
    assert len(published(emulator, ALICE)) == len(published(emulator, BOB)) == 1


def test_a_failed_publish_is_recorded_and_the_next_change_queues_afresh(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    emulator.fail_next("views.publish", status=200, error="user_not_found")
    assert deliver(sessions, client, T0).failed == 1
    topics.add_topic(sessions, T0, AS_BOB, None, "Still there?")
    assert [(r.key, r.status) for r in home_rows(sessions)] == [
        (f"home:{pair[ALICE]}:failed", "failed"),
        (f"home:{pair[ALICE]}:0", "pending"),
    ]
    assert deliver(sessions, client, T0).sent == 1


# ------------------------------------------------------------------------------------------------ coalescing


def test_a_change_while_the_row_is_being_delivered_gets_a_row_of_its_own(
    sessions: SessionFactory, pair: dict[str, int]
) -> None:
    alice = pair[ALICE]
    with sessions.begin() as session:
        (claimed,) = outbox.claim_due(session, T0, limit=10, lease=timedelta(minutes=2))
    topics.add_topic(sessions, T0, AS_BOB, None, "Mid-delivery")  # the claimed row may render before it
    topics.add_topic(sessions, T0, AS_BOB, None, "And again")  # lands in that second row

    assert [(r.id == claimed, r.key) for r in home_rows(sessions)] == [
        (True, f"home:{alice}:0"),
        (False, f"home:{alice}:1"),
    ]
    with sessions.begin() as session:
        row = session.get(OutboxMessage, claimed)
        assert row is not None
        row.status, row.sent_at, row.claimed_until = "sent", T0, None
        home_store.settle(session, row)
    topics.add_topic(sessions, T0, AS_BOB, None, "After it went")
    assert sorted(r.key for r in home_rows(sessions)) == [f"home:{alice}:1", f"home:{alice}:sent"]


def test_changes_committed_at_once_from_many_threads_share_one_row(
    sessions: SessionFactory, client: WebClient, emulator: SlackEmulator, pair: dict[str, int]
) -> None:
    deliver(sessions, client, T0)  # nothing waits for Alice now: the first changes race to queue a row

    def add(n: int) -> None:
        for k in range(5):
            topics.add_topic(
                sessions, T0, AS_BOB if n % 2 else AS_ALICE, BOB if n % 2 == 0 else None, f"{n}.{k}"
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add, range(8)))

    waiting = [r.key for r in home_rows(sessions) if r.status == "pending"]
    assert waiting == [f"home:{pair[ALICE]}:0"]
    assert deliver(sessions, client, T0 + HOME_MIN_INTERVAL).sent == 1
    assert topics_shown(published(emulator, ALICE)[-1]).startswith("20 from you, 20 from")


def test_every_slot_taken_still_queues_the_change(sessions: SessionFactory, pair: dict[str, int]) -> None:
    for n in range(home_store.SLOTS):  # each time, the waiting row is claimed before the next change
        with sessions.begin() as session:
            outbox.claim_due(session, T0, limit=10, lease=timedelta(minutes=2))
        topics.add_topic(sessions, T0, AS_BOB, None, f"Change {n}")
    keys = [r.key for r in home_rows(sessions)]
    assert keys[: home_store.SLOTS] == home_store.slot_keys(pair[ALICE])
    assert len(keys) == home_store.SLOTS + 1 and keys[-1].startswith(f"home:{pair[ALICE]}:extra:")


# ------------------------------------------------------------------------------------------------ the clock


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_clocks_routine_work_for_many_meetings_publishes_no_home_tab(
    sessions: SessionFactory, client: WebClient
) -> None:
    reports = [f"UREPORT{n:02d}" for n in range(30)]
    for user in reports:
        schedule_weekly(sessions, AS_ALICE, user)
    for user in [ALICE, *reports]:
        home.opened(sessions, SET_UP, type(AS_ALICE)(TEAM, user))
    with sessions.begin() as session:
        session.execute(OutboxMessage.__table__.delete())
    before = len(home_rows(sessions))

    with statements(engine_of(sessions)) as seen:
        # Prompts, materialising, "How did it go?", and the first reschedule nudge of 30 meetings.
        for at in (FIRST - timedelta(hours=23), FIRST_END, FIRST_END + GRACE + timedelta(minutes=1)):
            assert run_tick(sessions, at).messages_queued > 0

    assert len(home_rows(sessions)) == before == 0
    assert not [s for s in seen if "home_opened_at IS NOT NULL" in s]  # the hook asked nothing
    # Once nobody answered the nudges, the meetings count as missed: the cadence health each Home tab
    # shows changed, so all 31 are published again (each once).
    for nudge in range(1, MAX_NUDGES + 1):
        run_tick(sessions, FIRST_END + (nudge + 1) * GRACE + timedelta(minutes=nudge))
    with sessions() as session:
        assert set(session.scalars(select(Meeting.status).where(Meeting.starts_at == FIRST))) == {
            MeetingStatus.MISSED
        }
    assert len(home_rows(sessions)) == 31


def _pair_id(sessions: SessionFactory) -> int:
    with sessions() as session:
        return session.scalars(select(Meeting.pair_id)).first()  # type: ignore[return-value]
