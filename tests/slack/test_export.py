"""`/1on1 export [@person]` through Slack (issue 15, part 1): the reply at once, then two files in the
person's DM through files.getUploadURLExternal, an upload each and files.completeUploadExternal, as the
emulator recorded them. Each test runs over signed HTTP and over Socket Mode, and on PostgreSQL in CI.

The 1:1's history is written through the services and, for pulse checks and private topics, straight into
the database (fast); what is checked is what arrived in Slack, against the database.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.agenda import Visibility
from bot.domain.outbox import DeliveryStatus, MessageKind
from bot.services.materialise import materialise_due
from bot.services.pairs import Actor
from bot.services.summaries import ActionInput, OutcomeInput, SummaryInput, submit_summary
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, Note, OutboxMessage, Person, PulseCheck, Topic
from emulator.ids import TEAM_ID
from emulator.methods.files import SharedFile
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import pair_id, reply_of, reply_text, schedule_both_pairs, snapshot, tick
from tests.slack.people import ALICE, BOB, CAROL, add_people

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "export-schema.md"
PREPARING = "I'm preparing your export"


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def first_meeting(sessions: SessionFactory) -> Meeting:
    materialise_due(sessions, START)
    with sessions() as session:
        pair = pair_id(session, ALICE, BOB)
        return session.scalars(
            select(Meeting).where(Meeting.pair_id == pair).order_by(Meeting.starts_at)
        ).first()


def person_id(session: Any, user_id: str) -> int:
    return session.scalars(select(Person.id).where(Person.slack_user_id == user_id)).one()


def a_held_meeting(slack: SlackSender, sessions: SessionFactory, clock: FakeClock) -> Meeting:
    """Alice and Bob's first meeting, held: a GROW topic with an outcome, private topics and notes of each,
    Alice's summary with an action item for Bob, and both people's pulse."""
    schedule_both_pairs(slack)
    meeting = first_meeting(sessions)
    reply_text(slack.command(f"add-topic <@{BOB}> grow: Becoming a tech lead", user_id=ALICE))
    reply_text(slack.command(f"note <@{BOB}> Alice wonders about the reorg", user_id=ALICE))
    reply_text(slack.command(f"note <@{ALICE}> Bob fears the deadline", user_id=BOB))
    with sessions.begin() as session:
        alice, bob = person_id(session, ALICE), person_id(session, BOB)
        for author, text in ((alice, "Alice's own reminder"), (bob, "Bob's private topic")):
            session.add(
                Topic(
                    pair_id=meeting.pair_id,
                    meeting_id=meeting.id,
                    author_id=author,
                    text=text,
                    visibility=Visibility.PRIVATE,
                    created_at=START,
                )
            )
        for who, happy in ((alice, 4), (bob, 2)):
            session.add(
                PulseCheck(
                    meeting_id=meeting.id,
                    pair_id=meeting.pair_id,
                    person_id=who,
                    happy=happy,
                    updated_at=START,
                )
            )
        grow = session.scalars(select(Topic).where(Topic.text == "Becoming a tech lead")).one()
        grow_id = grow.id
    clock.set(meeting.ends_at + timedelta(minutes=5))
    form = SummaryInput(
        meeting.id,
        "view:export-summary",
        "Ship the zeppelin in Q1",
        actions=[ActionInput("a1", "Draft the zeppelin plan", BOB, date(2026, 12, 8))],
        outcomes=[OutcomeInput("o1", grow_id, "goal", "Lead the platform team")],
    )
    submit_summary(sessions, clock(), Actor(TEAM_ID, ALICE), form)
    return meeting


def exported(emulator: SlackEmulator, user_id: str) -> tuple[SharedFile, SharedFile]:
    dm = emulator.dm_channel_for(user_id)
    assert dm is not None
    md, js = emulator.files(dm)
    return md, js


def keys_of(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_alices_export_arrives_as_two_files_with_what_she_may_see_and_never_bobs_notes(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    meeting = a_held_meeting(slack, sessions, clock)

    response = slack.command("export", user_id=ALICE)

    reply = reply_text(response)
    assert PREPARING in reply and "arrive in our DM shortly" in reply
    assert reply_of(response)["response_type"] == "ephemeral"  # for her eyes only
    assert [c.method for c in emulator.calls() if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    md, js = exported(emulator, ALICE)
    day = "2026-12-01"  # her own date (New York) when she asked
    assert (md.name, js.name) == (f"1on1-export-{day}.md", f"1on1-export-{day}.json")
    data = json.loads(js.text)
    assert data["schema"] == "oneonone-export/1"
    assert data["person"] == {"slack_user_id": ALICE, "name": None}  # no display name learned
    (one,) = data["one_on_ones"]
    assert one["with"]["slack_user_id"] == BOB and one["series"][0]["state"] == "active"
    assert one["series"][0]["cadence"] == "weekly" and one["series"][0]["local_time"] == "10:00"
    with sessions() as session:
        stored = session.scalars(select(Meeting).where(Meeting.pair_id == meeting.pair_id)).all()
        action = session.scalars(select(ActionItem)).one()
        alice = person_id(session, ALICE)
        note = session.scalars(select(Note).where(Note.author_id == alice)).one()
    assert [m["id"] for m in one["meetings"]] == [m.id for m in sorted(stored, key=lambda m: m.starts_at)]
    assert f"Here is your export of your 1:1s ({len(stored)} meetings)" in (md.initial_comment or "")
    first = next(m for m in one["meetings"] if m["id"] == meeting.id)
    assert first["starts_at"] == meeting.starts_at.isoformat()
    topics = {t["text"]: t for t in first["topics"]}
    assert set(topics) == {"Becoming a tech lead", "Alice's own reminder"}  # never Bob's private topic
    assert topics["Alice's own reminder"]["visibility"] == "private"
    (summary,) = first["summaries"]
    assert summary["key_points"] == "Ship the zeppelin in Q1"
    assert summary["template_outcomes"] == [
        {"topic_id": topics["Becoming a tech lead"]["id"], "step": "goal", "text": "Lead the platform team"}
    ]
    (item,) = first["action_items"]
    assert item["text"] == action.text and item["owner"]["slack_user_id"] == BOB
    assert item["due_date"] == "2026-12-08" and item["done_at"] is None
    assert {(p["person"]["slack_user_id"], p["happy"]) for p in first["pulse"]} == {(ALICE, 4), (BOB, 2)}
    notes = [n["text"] for m in one["meetings"] for n in m["my_notes"]] + [
        n["text"] for n in one["not_in_a_meeting"]["my_notes"]
    ]
    assert notes == [note.text]
    # Every field is documented in docs/export-schema.md.
    documented = set(re.findall(r"`([a-z_]+)`", SCHEMA_DOC.read_text()))
    assert keys_of(data) <= documented, keys_of(data) - documented
    # The Markdown is readable: headings per 1:1 and meeting, her own zone, the key points.
    assert "## 1:1 with UBOB0001" in md.text
    assert "### 2026-12-01 10:00: held" in md.text  # 10:00 in New York
    assert "Ship the zeppelin in Q1" in md.text
    # A step's outcome reads as the summary form named it: the template, the step and the topic.
    assert "- GROW · Goal (Becoming a tech lead): Lead the platform team" in md.text
    assert "Alice wonders about the reorg" in md.text
    for secret in ("Bob fears the deadline", "Bob's private topic"):
        assert secret not in md.text and secret not in js.text

    reply_text(slack.command(f"export <@{ALICE}>", user_id=BOB))

    bob_md, bob_js = exported(emulator, BOB)
    assert "Bob fears the deadline" in bob_md.text and "Bob fears the deadline" in bob_js.text
    assert "Bob's private topic" in bob_js.text
    for secret in ("Alice wonders about the reorg", "Alice's own reminder"):
        assert secret not in bob_md.text and secret not in bob_js.text
    assert "your 1:1 with <@UALICE01>" in (bob_md.initial_comment or "")


def test_an_export_about_someone_you_have_no_1on1_with_is_refused_and_queues_nothing(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    schedule_both_pairs(slack)
    before = snapshot(sessions)

    reply = reply_text(slack.command(f"export <@{BOB}>", user_id=CAROL))

    assert reply.startswith(f"You don't have a 1:1 with <@{BOB}>")
    assert snapshot(sessions) == before and emulator.calls("files.getUploadURLExternal") == []


def test_someone_with_no_1on1s_is_told_there_is_nothing_to_export(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)

    reply = reply_text(slack.command("export", user_id=ALICE))

    assert "You don't have any 1:1s yet, so there is nothing to export." in reply
    assert snapshot(sessions) == before and emulator.calls("files.getUploadURLExternal") == []


@pytest.mark.parametrize(
    "fault", [{"status": 429, "retry_after": 30}, {"status": 500}, {"status": 200, "error": "internal_error"}]
)
def test_a_failed_completion_is_retried_and_the_export_arrives_once(
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    clock: FakeClock,
    settings: Settings,
    fault: dict[str, Any],
) -> None:
    schedule_both_pairs(slack)
    emulator.fail_next("files.completeUploadExternal", **fault)

    assert PREPARING in reply_text(slack.command("export", user_id=ALICE))

    assert emulator.files() == []
    with sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MessageKind.EXPORT)).one()
        assert row.status == DeliveryStatus.PENDING
    clock.set(clock() + timedelta(minutes=5))
    tick(sessions, settings, clock())

    dm = emulator.dm_channel_for(ALICE)
    shared = emulator.files()
    assert len(shared) == 2 and {f.channel for f in shared} == {dm}
    assert emulator.calls("conversations.open")  # her DM was not known yet: files go to a channel id
    assert len(emulator.calls("files.completeUploadExternal")) == 2
    with sessions() as session:
        sent = select(func.count()).where(
            OutboxMessage.kind == MessageKind.EXPORT, OutboxMessage.status == DeliveryStatus.SENT
        )
        assert session.scalar(sent) == 1


def test_asking_again_later_makes_a_new_export(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    schedule_both_pairs(slack)
    reply_text(slack.command("export", user_id=ALICE))
    clock.set(clock() + timedelta(minutes=1))
    reply_text(slack.command("export", user_id=ALICE))

    assert len(emulator.files()) == 4
