"""The export's rules without Slack's requests (issue 15, part 1): who sees what, an erased person, asking,
and 500 meetings written in one pass and uploaded once per file, within a memory budget.

The upload goes to the Slack emulator through the delivery's own code (bot/delivery/slack_calls.py).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.delivery.jobs import Job
from bot.delivery.slack_calls import build_delivery_client, send
from bot.domain.agenda import Visibility
from bot.domain.errors import DomainError
from bot.domain.meetings import MeetingStatus
from bot.domain.names import placeholder_id
from bot.domain.outbox import MessageKind
from bot.domain.templates import TopicKind
from bot.services import export, export_files
from bot.services.messages.export import ExportUpload, load_export
from bot.slack.blocks.export import export_message
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, Note, OutboxMessage, Person, PulseCheck, Summary, Topic
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.services.conftest import FIRST, Weekly
from tests.services.people import ALICE, AS_ALICE, AS_CAROL, BOB

MEMORY_BUDGET = 16 * 1024 * 1024  # bytes of Python allocations at peak while 500 meetings are exported


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def add_topic(
    sessions: SessionFactory, w: Weekly, author: int, text: str, meeting: int, **kw: object
) -> None:
    with sessions.begin() as session:
        session.add(
            Topic(pair_id=w.pair_id, meeting_id=meeting, author_id=author, text=text, created_at=FIRST, **kw)
        )


def exported(sessions: SessionFactory, person: int, now: datetime, pair: int | None = None) -> dict:
    with sessions() as session:
        header = export.start(session, person, pair, now)
        files = export_files.write(session, header, person)
        try:
            return json.loads(files.json.read())
        finally:
            files.close()


def topic_texts(data: dict) -> set[str]:
    (one,) = data["one_on_ones"]
    return {t["text"] for m in one["meetings"] for t in m["topics"]} | {
        t["text"] for t in one["not_in_a_meeting"]["topics"]
    }


def test_private_topics_and_notes_are_their_authors_and_a_held_back_concern_shows_once_its_meeting_starts(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    add_topic(sessions, weekly, weekly.alice_id, "Alice private", first, visibility=Visibility.PRIVATE)
    add_topic(sessions, weekly, weekly.bob_id, "Bob shared", first)
    add_topic(sessions, weekly, weekly.alice_id, "A concern", first, kind=TopicKind.CONCERN, held_back=True)
    add_topic(sessions, weekly, weekly.bob_id, "Bob's loose private", None, visibility=Visibility.PRIVATE)
    with sessions.begin() as session:
        session.add(
            Note(
                pair_id=weekly.pair_id,
                meeting_id=first,
                author_id=weekly.bob_id,
                text="Bob's note",
                created_at=FIRST,
            )
        )

    before = FIRST - timedelta(hours=1)
    assert topic_texts(exported(sessions, weekly.alice_id, before)) == {
        "Alice private",
        "Bob shared",
        "A concern",
    }
    bob_before = exported(sessions, weekly.bob_id, before)
    assert topic_texts(bob_before) == {"Bob shared", "Bob's loose private"}
    assert "Bob's note" in json.dumps(bob_before)
    assert topic_texts(exported(sessions, weekly.bob_id, FIRST)) == {
        "Bob shared",
        "A concern",
        "Bob's loose private",
    }
    assert "Bob's note" not in json.dumps(exported(sessions, weekly.alice_id, FIRST))


def test_an_erased_person_is_a_former_participant_with_no_id(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    add_topic(sessions, weekly, weekly.bob_id, "Bob shared", weekly.meeting_ids[0])
    with sessions.begin() as session:
        bob = session.get(Person, weekly.bob_id)
        bob.erased_at, bob.slack_user_id = FIRST, placeholder_id()

    data = exported(sessions, weekly.alice_id, FIRST)

    (one,) = data["one_on_ones"]
    assert one["with"] == {"slack_user_id": None, "name": "a former participant"}
    assert BOB not in json.dumps(data) and "former-" not in json.dumps(data)
    # Their own export is not made any more: the row is dropped unsent.
    with sessions() as session:
        row = OutboxMessage(kind=MessageKind.EXPORT, params={"person": weekly.bob_id})
        assert load_export(session, row, FIRST) is None


def test_asking_queues_one_row_of_ids_and_refuses_a_stranger(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    done = export.request_export(sessions, FIRST, AS_ALICE, BOB)
    again = export.request_export(sessions, FIRST + timedelta(seconds=1), AS_ALICE, None)

    assert done.queued and again.queued
    with sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == MessageKind.EXPORT).order_by(OutboxMessage.id)
        ).all()
    assert [(r.kind, r.params, r.recipient_id) for r in rows] == [
        (MessageKind.EXPORT, {"person": weekly.alice_id, "pair": weekly.pair_id}, weekly.alice_id),
        (MessageKind.EXPORT, {"person": weekly.alice_id}, weekly.alice_id),
    ]
    with pytest.raises(DomainError):
        export.request_export(sessions, FIRST, AS_CAROL, ALICE)
    with pytest.raises(DomainError):  # Carol has no 1:1 at all
        export.request_export(sessions, FIRST, AS_CAROL, None)


def five_hundred_meetings(sessions: SessionFactory, w: Weekly) -> None:
    """500 held weekly meetings before the series' first, each with a topic, a summary, an action item,
    both people's pulse and a note of each; inserted in bulk."""
    starts = [FIRST - timedelta(weeks=k) for k in range(1, 501)]
    text = "We talked about the roadmap, hiring and the budget for the next quarter. " * 3
    with sessions.begin() as session:
        session.execute(insert(Meeting), [_held(w, s) for s in starts])
        ids = session.scalars(select(Meeting.id).where(Meeting.starts_at < FIRST)).all()

        def each(model: type, **kw: object) -> None:
            session.execute(insert(model), [{**kw, "meeting_id": m} for m in ids])

        each(Topic, pair_id=w.pair_id, author_id=w.bob_id, text=text, created_at=FIRST)
        session.execute(
            insert(Summary),
            [
                {
                    "meeting_id": m,
                    "author_id": w.alice_id,
                    "key_points": text,
                    "source": f"s{m}",
                    "created_at": FIRST,
                }
                for m in ids
            ],
        )
        each(
            ActionItem,
            pair_id=w.pair_id,
            owner_id=w.bob_id,
            created_by_id=w.alice_id,
            text=text,
            due_date=date(2026, 1, 1),
            created_at=FIRST,
        )
        for who in (w.alice_id, w.bob_id):
            each(PulseCheck, pair_id=w.pair_id, person_id=who, happy=3, challenged=4, updated_at=FIRST)
            each(Note, pair_id=w.pair_id, author_id=who, text=f"note of {who}: " + text, created_at=FIRST)


def _held(w: Weekly, starts: datetime) -> dict[str, object]:
    return {
        "series_id": w.series_id,
        "pair_id": w.pair_id,
        "local_date": starts.date(),
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=30),
        "status": MeetingStatus.HELD,
        "prompt_at": starts - timedelta(days=1),
        "created_at": starts,
    }


def test_500_meetings_export_in_one_upload_per_file_within_memory(
    sessions: SessionFactory, weekly: Weekly, slack: SlackEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    five_hundred_meetings(sessions, weekly)
    slack.reset()
    slack.add_user(ALICE)
    dm = slack.open_dm(ALICE)
    row = OutboxMessage(kind=MessageKind.EXPORT, params={"person": weekly.alice_id})

    tracemalloc.start()
    try:
        with sessions() as session:
            upload = load_export(session, row, FIRST)
            assert isinstance(upload, ExportUpload)
            content = export_message(upload)
        job = Job(1, MessageKind.EXPORT, content, dm, (ALICE,), None)
        outcome = send(build_delivery_client(BOT_TOKEN, slack.url), job)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert outcome.result == "sent" and outcome.channel == dm
    assert len(slack.calls("files.getUploadURLExternal")) == 2
    assert len(slack.calls("files.completeUploadExternal")) == 1
    md, js = slack.files(dm)
    data = json.loads(js.data)
    meetings = data["one_on_ones"][0]["meetings"]
    assert len(meetings) == 500 + len(weekly.meeting_ids) and upload.meetings == len(meetings)
    assert all(len(m["my_notes"]) == 1 for m in meetings[:500])  # hers, never Bob's
    assert f"note of {weekly.bob_id}" not in js.text and f"note of {weekly.bob_id}" not in md.text
    with capsys.disabled():
        print(
            f"\n500 meetings: JSON {len(js.data) / 1e6:.2f} MB, Markdown {len(md.data) / 1e6:.2f} MB, "
            f"peak Python allocations {peak / 1e6:.1f} MB"
        )
    assert peak < MEMORY_BUDGET
