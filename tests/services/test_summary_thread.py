"""The summary's thread (issue 12, part 5): an item marked done and, when the next prompt goes out, what the
last summary left open, each as a reply under every posted copy of that summary; read again at delivery."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import Engine, event, select, update

from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.services import actions, summaries
from bot.services.messages.summary_thread import ActionDone, load_action_done, load_still_open
from bot.services.prompts import queue_due_prompts
from bot.services.summaries import ActionInput, SummaryInput
from bot.services.summary_thread import still_open_rows
from bot.slack.blocks.summary_thread import action_done_message, still_open_message
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, OutboxMessage
from tests.services.conftest import FIRST_END, SECOND, Weekly, schedule_weekly
from tests.services.helpers import addressed, queued
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB, DAVE

NOW = FIRST_END + timedelta(minutes=5)
SECOND_PROMPT = SECOND - timedelta(hours=24)  # the 8 Dec meeting's prompt (the series' lead)
THIRD_PROMPT = SECOND_PROMPT + timedelta(days=7)


def summarise(
    sessions: SessionFactory, meeting_id: int, *items: str, source: str = "view:S1", post: bool = True
) -> list[int]:
    """Alice's summary of the meeting with these action items (Bob's), posted to the group DM; their ids."""
    form = SummaryInput(
        meeting_id,
        source,
        "Points",
        actions=[ActionInput(f"a{n}", text, BOB, None) for n, text in enumerate(items)],
    )
    summaries.submit_summary(sessions, NOW, AS_ALICE, form)
    if post:
        posted(sessions, meeting_id)
    with sessions() as session:
        query = select(ActionItem.id).where(ActionItem.meeting_id == meeting_id).order_by(ActionItem.id)
        return list(session.scalars(query))


def posted(sessions: SessionFactory, meeting_id: int) -> None:
    """As delivery records the meeting's summary once Slack has posted it."""
    with sessions.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == MessageKind.SUMMARY, OutboxMessage.meeting_id == meeting_id)
            .values(status=DeliveryStatus.SENT, sent_channel_id="G1", sent_ts=f"17000000{meeting_id}.0001")
        )


def refused_group_dm(sessions: SessionFactory, weekly: Weekly, meeting_id: int) -> list[int]:
    """As delivery records a group DM Slack refused: the summary failed, a copy to each of them instead."""
    with sessions.begin() as session:
        group = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.SUMMARY)).one()
        group.status = DeliveryStatus.FAILED
        for person_id in (weekly.alice_id, weekly.bob_id):
            outbox.enqueue(
                session,
                key=f"{group.key}:dm:{person_id}",
                kind=MessageKind.SUMMARY,
                now=NOW,
                recipient_id=person_id,
                params={"meeting_id": meeting_id},
                meeting_id=meeting_id,
            )
        copies = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.kind == MessageKind.SUMMARY, OutboxMessage.recipient_id.is_not(None))
            .order_by(OutboxMessage.id)
        )
        return list(copies)


def summary_row(sessions: SessionFactory, meeting_id: int) -> OutboxMessage:
    [row] = [m for m in queued(sessions, MessageKind.SUMMARY) if m.meeting_id == meeting_id]
    return row


# ------------------------------------------------------------------------------------------- still open


def test_the_next_prompt_brings_one_still_open_reply_under_the_last_summary(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    summarise(sessions, first, "Draft the RFC", "Book the room")
    parent = summary_row(sessions, first)
    for _ in range(2):  # a tick again at the same instant, or later, says it once
        queue_due_prompts(sessions, SECOND_PROMPT)
    queue_due_prompts(sessions, SECOND_PROMPT + timedelta(hours=1))
    assert addressed(sessions, MessageKind.STILL_OPEN) == [
        {
            "key": f"still_open:{second}",
            "recipient_id": None,
            "channel_id": None,
            "thread_ts": None,
            "meeting_id": first,  # the thread's meeting
            "params": {"meeting_id": first, "before": second, "thread_of": parent.id},
        }
    ]


def test_nothing_is_said_when_everything_is_done_or_no_summary_was_posted(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    items = summarise(sessions, first, "Draft the RFC", post=False)
    with sessions.begin() as session:  # Slack never took it (not a group DM refusal: no copies)
        session.execute(update(OutboxMessage).values(status=DeliveryStatus.FAILED))
    queue_due_prompts(sessions, SECOND_PROMPT)
    assert queued(sessions, MessageKind.STILL_OPEN) == []
    with sessions.begin() as session:
        session.execute(update(OutboxMessage).values(status=DeliveryStatus.SENT))
    actions.complete_action(sessions, NOW, AS_BOB, items[0])
    queue_due_prompts(sessions, THIRD_PROMPT)
    assert queued(sessions, MessageKind.STILL_OPEN) == []


def test_the_reminder_is_about_the_last_summary_only(sessions: SessionFactory, weekly: Weekly) -> None:
    first, second, third = weekly.meeting_ids[:3]
    summarise(sessions, first, "Old item")
    [newer] = summarise(sessions, second, "Newer item", source="view:S2")
    queue_due_prompts(sessions, THIRD_PROMPT)
    [reply] = addressed(sessions, MessageKind.STILL_OPEN)
    assert reply["params"] == {
        "meeting_id": second,
        "before": third,
        "thread_of": summary_row(sessions, second).id,
    }
    # Once the last summary's items are done there is nothing to say, however old the first one's are.
    actions.complete_action(sessions, NOW, AS_BOB, newer)
    queue_due_prompts(sessions, THIRD_PROMPT + timedelta(days=7))
    assert len(queued(sessions, MessageKind.STILL_OPEN)) == 1


def test_each_copy_gets_the_reminder_when_the_group_dm_was_refused(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    summarise(sessions, first, "Draft the RFC", post=False)
    copies = refused_group_dm(sessions, weekly, first)
    queue_due_prompts(sessions, SECOND_PROMPT)
    assert [(r["key"], r["params"]["thread_of"]) for r in addressed(sessions, MessageKind.STILL_OPEN)] == [
        (f"still_open:{second}:dm:{weekly.alice_id}", copies[0]),
        (f"still_open:{second}:dm:{weekly.bob_id}", copies[1]),
    ]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_batch_of_meetings_is_one_query_whatever_its_size(
    sessions: SessionFactory, engine: Engine, weekly: Weekly
) -> None:
    """The prompt queue takes 1,000 meetings at a time: the reminders for all of them are one SELECT."""
    carols = schedule_weekly(sessions, AS_CAROL, DAVE)
    summarise(sessions, weekly.meeting_ids[0], "Draft the RFC")
    with sessions() as session:
        batch = [(m.id, m.pair_id) for m in session.scalars(select(Meeting).order_by(Meeting.starts_at))]
    assert carols.series_id and len(batch) > 8
    for size in (1, len(batch)):
        with sessions() as session, statements(engine) as seen:
            rows = still_open_rows(session, batch[:size], SECOND_PROMPT)
        assert len(seen) == 1, seen
    # Every later meeting of Alice and Bob's would be reminded of the first one's item; none of Carol's.
    assert {r["params"]["before"] for r in rows} == set(weekly.meeting_ids[1:])  # type: ignore[index]
    with sessions() as session, statements(engine) as seen:
        assert still_open_rows(session, [], SECOND_PROMPT) == [] and seen == []


def test_what_is_still_open_is_read_at_delivery(sessions: SessionFactory, weekly: Weekly) -> None:
    first, second = weekly.meeting_ids[:2]
    done, still, late = summarise(sessions, first, "Draft the RFC", "Book <!channel> & co", "Due already")
    with sessions.begin() as session:
        item = session.get(ActionItem, late)
        assert item is not None
        item.due_date = date(2026, 12, 5)
    queue_due_prompts(sessions, SECOND_PROMPT)
    actions.complete_action(sessions, NOW, AS_BOB, done)  # after the reminder was queued
    [row] = queued(sessions, MessageKind.STILL_OPEN)
    with sessions() as session:
        reminder = load_still_open(session, row, SECOND_PROMPT)
    assert reminder is not None and [a.id for a in reminder.actions] == [still, late]
    assert [a.overdue for a in reminder.actions] == [False, True]
    with sessions() as session:
        assert reminder.next_starts_at == session.get(Meeting, second).starts_at  # type: ignore[union-attr]
    text = still_open_message(reminder)["blocks"][0]["text"]["text"]
    assert f"*#{still}* Book &lt;!channel&gt; &amp; co — <@{BOB}>" in text
    assert f"*#{late}* Due already — <@{BOB}>, due Sat 05 Dec :warning: *overdue*" in text
    assert "Draft the RFC" not in text
    for item_id in (still, late):
        actions.complete_action(sessions, NOW, AS_ALICE, item_id)
    with sessions() as session:
        assert load_still_open(session, row, SECOND_PROMPT) is None  # all done since: dropped unsent


# ------------------------------------------------------------------------------------------- marked done


def test_an_item_marked_done_is_said_once_in_its_summarys_thread(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    [item] = summarise(sessions, first, "Draft the RFC")
    parent = summary_row(sessions, first)
    actions.complete_action(sessions, NOW, AS_ALICE, item)
    actions.complete_action(sessions, NOW + timedelta(minutes=1), AS_BOB, item)  # both clicked
    assert [
        (r["key"], r["meeting_id"], r["params"]) for r in addressed(sessions, MessageKind.ACTION_DONE)
    ] == [
        (
            f"action_done:{item}",
            first,
            {"meeting_id": first, "action_id": item, "by": weekly.alice_id, "thread_of": parent.id},
        )
    ]
    [row] = queued(sessions, MessageKind.ACTION_DONE)
    with sessions() as session:
        done = load_action_done(session, row, NOW)
    assert done == ActionDone(ALICE, BOB, "Draft the RFC")
    assert action_done_message(done)["text"] == (
        f":white_check_mark: <@{ALICE}> marked <@{BOB}>'s action item done: ~Draft the RFC~"
    )
    assert "their own action item" in action_done_message(ActionDone(BOB, BOB, "x"))["text"]


def test_an_item_from_between_meetings_has_no_thread_and_each_copy_gets_its_reply(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    loose = actions.add_action(sessions, NOW, AS_BOB, None, "No summary of its own", None, None).action_id
    actions.complete_action(sessions, NOW, AS_BOB, loose)
    assert queued(sessions, MessageKind.ACTION_DONE) == []
    first = weekly.meeting_ids[0]
    [item] = summarise(sessions, first, "Draft the RFC", post=False)
    copies = refused_group_dm(sessions, weekly, first)
    actions.complete_action(sessions, NOW, AS_BOB, item)
    assert [(r["key"], r["params"]["thread_of"]) for r in addressed(sessions, MessageKind.ACTION_DONE)] == [
        (f"action_done:{item}:dm:{weekly.alice_id}", copies[0]),
        (f"action_done:{item}:dm:{weekly.bob_id}", copies[1]),
    ]


def test_the_second_persons_summary_is_said_under_each_copy_too(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    summarise(sessions, first, "Draft the RFC", post=False)
    copies = refused_group_dm(sessions, weekly, first)
    summaries.submit_summary(sessions, NOW, AS_BOB, SummaryInput(first, "view:S2", "Bob's points"))
    added = addressed(sessions, MessageKind.SUMMARY_ADDED)
    assert [(r["key"].split(":dm:")[-1], r["params"]["thread_of"]) for r in added] == [
        (str(weekly.alice_id), copies[0]),
        (str(weekly.bob_id), copies[1]),
    ]
