"""The write commands in counts (issue 17): `/1on1 add-action`, `done`, `skip`, `reschedule` are each ONE
transaction of at most four statements, the Slack-retry record the last of them; `cancel`'s question is
one read. What they leave behind is as before: the other person told once, the Home tabs of those who
opened theirs queued, the calendar feed's revision raised, "one moment" when the caller's zone isn't known.

The outbox's deliverer sends after the ack, on its own thread, in transactions of its own: those are not
the command's, so they are not counted here."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select, update

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.store import writes
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, OutboxMessage, Person, SlackRequest
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB
from tests.slack.statements import Seen, alice_meets_bob_weekly, counted
from tests.store.test_query_plans import plan_of

_DELIVERER = "outbox-deliverer"  # bot/delivery/background.py's thread


@pytest.fixture
def alice_meets_bob(slack: SlackSender, emulator: SlackEmulator) -> None:
    alice_meets_bob_weekly(slack, emulator)


def counted_by_the_command(engine: Engine) -> AbstractContextManager[Seen]:
    return counted(engine, but_thread=_DELIVERER)


def _done(sessions: SessionFactory, key: str) -> list[bool]:
    with sessions() as session:
        return list(session.scalars(select(SlackRequest.done).where(SlackRequest.key == key)))


# command, the statements it may send at most (the record included), what its reply says
WRITES = [
    ("add-action Ship it", 3, f"for you: Ship it. It shows in your 1:1 with <@{BOB}> until it's done."),
    (f"skip <@{BOB}>", 4, f"Skipped your 1:1 with <@{BOB}> on"),
    ("skip", 4, f"Skipped your 1:1 with <@{BOB}> on"),
    (f"reschedule <@{BOB}> tomorrow 11:00", 4, f"Moved your next 1:1 with <@{BOB}> to"),
    ("reschedule tomorrow 11:00", 4, f"Moved your next 1:1 with <@{BOB}> to"),
]


@pytest.mark.parametrize(
    ("command", "ceiling", "says"), WRITES, ids=[w[0].split()[0] + str(i) for i, w in enumerate(WRITES)]
)
def test_a_write_command_is_one_transaction_of_a_few_statements_ending_with_its_retry_record(
    alice_meets_bob: None,
    slack: SlackSender,
    engine: Engine,
    sessions: SessionFactory,
    command: str,
    ceiling: int,
    says: str,
) -> None:
    with counted_by_the_command(engine) as seen:
        answer = slack.command(command, user_id=ALICE, trigger_id="17.w.write")
    assert says in reply_text(answer)
    assert seen.one_transaction_of_at_most(ceiling) and seen.record_is_last(), seen.statements
    assert _done(sessions, "trigger:17.w.write") == [True]


def test_done_is_one_transaction_of_three_statements_and_closes_the_item_once(
    alice_meets_bob: None, slack: SlackSender, engine: Engine, sessions: SessionFactory
) -> None:
    reply_text(slack.command("add-action Ship it", user_id=ALICE))
    with sessions() as session:
        item = session.scalars(select(ActionItem.id)).one()
    with counted_by_the_command(engine) as seen:
        answer = slack.command(f"done {item}", user_id=BOB, trigger_id="17.w.done")
    assert reply_text(answer) == ":white_check_mark: Done: ~Ship it~"
    assert seen.one_transaction_of_at_most(3) and seen.record_is_last(), seen.statements
    with sessions() as session:
        closed_at = session.scalar(select(ActionItem.done_at))
    again = slack.command(f"done {item}", user_id=ALICE)  # the other person too: still done, once
    assert reply_text(again) == ":white_check_mark: Done: ~Ship it~"
    with sessions() as session:
        assert session.scalar(select(ActionItem.done_at)) == closed_at


def test_cancels_question_is_one_read_and_leaves_no_record(
    alice_meets_bob: None, slack: SlackSender, engine: Engine, sessions: SessionFactory
) -> None:
    with counted_by_the_command(engine) as seen:
        answer = slack.command(f"cancel <@{BOB}>", user_id=ALICE, trigger_id="17.w.cancel")
    assert reply_text(answer).startswith(f"End your weekly 1:1 with <@{BOB}> (Tuesdays at 10:00")
    assert seen.transactions == 1 and len(seen.statements) == 1, seen.statements
    assert _done(sessions, "trigger:17.w.cancel") == []


def _told(sessions: SessionFactory, kind: MessageKind) -> list[int | None]:
    with sessions() as session:
        return list(session.scalars(select(OutboxMessage.recipient_id).where(OutboxMessage.kind == kind)))


def _person(sessions: SessionFactory, user_id: str) -> int:
    with sessions() as session:
        return session.scalars(select(Person.id).where(Person.slack_user_id == user_id)).one()


@pytest.mark.parametrize(
    ("command", "kind"),
    [("skip", MessageKind.MEETING_SKIPPED), ("reschedule tomorrow 11:00", MessageKind.MEETING_MOVED)],
    ids=["skip", "reschedule"],
)
def test_the_other_person_is_told_once_the_feeds_revision_rises_and_slacks_retry_changes_nothing(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory, command: str, kind: MessageKind
) -> None:
    with sessions() as session:
        meeting_id = session.scalars(select(Meeting.id).order_by(Meeting.starts_at)).first()
    first = slack.command(command, user_id=ALICE, trigger_id="17.w.told")
    assert "I've told them" in reply_text(first)
    retried = slack.command(command, user_id=ALICE, trigger_id="17.w.told", retry_num=1)
    assert retried.status_code == 200 and not retried.content
    assert _told(sessions, kind) == [_person(sessions, BOB)]
    with sessions() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None and meeting.revision == 1  # the calendar feed's SEQUENCE: changed once
        assert (meeting.status is MeetingStatus.SKIPPED) == (kind is MessageKind.MEETING_SKIPPED)


@pytest.mark.parametrize("command", ["add-action Ship it", "skip", "reschedule tomorrow 11:00"])
def test_the_home_tab_of_someone_who_opened_theirs_is_queued_though_the_writes_pass_the_hook_by(
    alice_meets_bob: None, slack: SlackSender, sessions: SessionFactory, command: str
) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Person)
            .where(Person.slack_user_id == BOB)
            .values(home_opened_at=datetime(2026, 11, 1, tzinfo=UTC))
        )
    reply_text(slack.command(command, user_id=ALICE))
    assert _person(sessions, BOB) in _told(sessions, MessageKind.HOME)
    assert _person(sessions, ALICE) not in _told(sessions, MessageKind.HOME)  # she never opened hers


@pytest.mark.parametrize(
    ("command", "says"),
    [("skip", "Skipped your 1:1 with"), ("reschedule tomorrow 11:00", "Moved your next 1:1 with")],
    ids=["skip", "reschedule"],
)
def test_a_caller_whose_zone_is_not_cached_gets_one_moment_then_the_answer_and_it_is_done_once(
    alice_meets_bob: None,
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    command: str,
    says: str,
) -> None:
    with sessions.begin() as session:
        session.execute(update(Person).where(Person.slack_user_id == ALICE).values(timezone=None))
    url = emulator.new_response_url()
    answer = slack.command(command, user_id=ALICE, trigger_id="17.w.zone", response_url=url)
    assert says in reply_text(answer)  # "one moment", then this through the url
    assert len(emulator.response_posts(url)) == 1
    assert len(_told(sessions, MessageKind.MEETING_SKIPPED) + _told(sessions, MessageKind.MEETING_MOVED)) == 1
    with sessions() as session:
        assert (
            session.scalar(select(Person.timezone).where(Person.slack_user_id == ALICE)) == "America/New_York"
        )


@pytest.mark.parametrize("shape", list(writes.Extra), ids=[extra.name for extra in writes.Extra])
@pytest.mark.parametrize("other", [BOB, None], ids=["naming-the-person", "the-only-1on1"])
def test_the_one_read_looks_everything_up_by_index_on_sqlite(
    engine: Engine, sessions: SessionFactory, shape: writes.Extra, other: str | None
) -> None:
    """SQLite keeps no statistics, so its plan on an empty table is the one in production (see
    tests/store/test_query_plans.py): no table is scanned, the meetings are the pair's own."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans depend on table statistics (benchmarks' seeded databases show them)")
    now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    with sessions() as session:
        plan = plan_of(session, lambda s: writes.caller(s, "T1", ALICE, other, now, extra=shape, limit=11))
    assert " SCAN " not in f" {plan} ".replace("\n", " "), plan
    assert "ix_meeting_pair_id_status_ends_at" in plan, plan
