"""Delete my data, end to end (issue 15, part 2): Bob, with a rich history with Alice (and a 1:1 with Carol),
runs `/1on1 delete-my-data`, reads what goes and what stays, confirms; afterwards no text column of any
table holds his private words or anything that identifies him, Alice and Carol are told once, and Alice's
copy of the shared history shows him as "a former participant"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import JSON, String, Text, select

from bot.config import Settings
from bot.domain.agenda import Visibility
from bot.domain.names import FORMER_PARTICIPANT, is_placeholder
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import BusyInterval, Note, Person, PulseCheck, Topic
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    pair_id,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
    wait_for_post,
    written_in_dm,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, ZONES, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York
FIRST_END = FIRST_START + timedelta(minutes=30)

# Bob's words: those only he could see must go; the shared ones stay, shown as a former participant's.
BOB_PRIVATE_NOTE = "Bob privately: I am interviewing elsewhere"  # in his summary
BOB_PRIVATE_TOPIC = "Bob alone: ask for a raise or leave"  # a private topic (no command makes one yet)
BOB_PENDING = "Bob waiting: which 1:1 is the reorg for"  # a DM'd topic waiting for him to pick a 1:1
BOB_BUSY_URL = "https://calendar.example.com/bob/private-abc/basic.ics"
PRIVATE = (BOB_PRIVATE_NOTE, BOB_PRIVATE_TOPIC, BOB_PENDING, BOB_BUSY_URL)
BOB_SHARED = "Promotion case for Bob, honest version"
BOB_DMED = "Bob by DM: the on-call rota is unfair"
KEY_POINTS = "Agreed Bob leads the migration next quarter"
BOB_ACTION = "Draft the migration staffing plan"
ALICE_NOTE = "Alice privately: Bob seems disengaged lately"
ALICE_TOPIC = "Budget cut rumours in the platform team"
ALICE_MENTIONS_BOB = "Ask {} to mentor the new hire"  # a mention of him in her own words
CONFIRM = 'Type "delete" to confirm'
GONE = "Your data is deleted"


@dataclass(frozen=True)
class Bob:
    person_id: int
    # His Slack id, name, DM channel, zone and calendar feed's token hash, as the bot stored them.
    identifiers: tuple[str, ...]


@pytest.fixture
def bob(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> Bob:
    """Bob's history with Alice (who leads), through the real flows where Slack has one."""
    add_people(emulator)
    emulator.add_user(BOB, name="Bobby Tables", real_name="Robert Tables", tz=ZONES[BOB])
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    channel, ts = written_in_dm(emulator, BOB, BOB_DMED)  # his only 1:1: it becomes a topic
    assert slack.dm(BOB, BOB_DMED, channel=channel, ts=ts).status_code == 200
    reply_text(slack.command(f"add-topic <@{ALICE}> {BOB_SHARED}", user_id=BOB))
    reply_text(slack.command(f"add-topic <@{BOB}> {ALICE_TOPIC}", user_id=ALICE))
    reply_text(slack.command(f"note <@{BOB}> {ALICE_NOTE}", user_id=ALICE))
    reply_text(
        slack.command(f"add-topic <@{BOB}> {ALICE_MENTIONS_BOB.format(f'<@{BOB}|bobby>')}", user_id=ALICE)
    )
    tick(sessions, settings, clock())  # the prompts, with Bob's pulse check-in
    prompt = bot_messages(emulator, BOB, "add your topics")[-1]
    _tap_pulse(slack, emulator, prompt)

    # After the meeting Bob writes the summary: key points, an action item, a private note.
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END + timedelta(minutes=5))
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    form = opened_form(
        emulator, lambda: _click(slack, emulator, BOB, buttons(follow_up)["summary_open"], follow_up)
    )
    fill_summary(form, KEY_POINTS, [(BOB_ACTION, BOB, "2026-12-10")], BOB_PRIVATE_NOTE, covered=[ALICE_TOPIC])
    assert submit_form(slack, BOB, form).status_code == 200

    # His own settings and time away.
    settings_form = opened_form(emulator, lambda: slack.command("settings", user_id=BOB))
    assert submit_form(slack, BOB, settings_form.pick_time("Working day starts", "08:00")).status_code == 200
    reply_text(slack.command("away 2026-12-21", user_id=BOB))

    # Carol leads a 1:1 with him too, so his next DM waits for him to say which 1:1 it is for.
    reply_text(slack.command(f"schedule <@{BOB}> weekly wed 10:00", user_id=CAROL))
    channel, ts = written_in_dm(emulator, BOB, BOB_PENDING)
    assert slack.dm(BOB, BOB_PENDING, channel=channel, ts=ts).status_code == 200
    assert bot_messages(emulator, BOB, "Which 1:1 is this topic for?")
    assert slack.user_changed(BOB).status_code == 200  # the bot learns his name

    with sessions.begin() as session:
        me = session.scalars(select(Person).where(Person.slack_user_id == BOB)).one()
        # What no Slack surface makes here: a private topic (no command yet), a busy calendar read (the
        # network) and a calendar feed (this app has no PUBLIC_URL; tests/calendar covers the command).
        session.add(
            Topic(
                pair_id=pair_id(session, ALICE, BOB),
                author_id=me.id,
                text=BOB_PRIVATE_TOPIC,
                visibility=Visibility.PRIVATE,
                created_at=clock(),
            )
        )
        me.busy_url, me.calendar_token_hash = BOB_BUSY_URL, "c0ffee" * 10 + "abcd"
        session.add(
            BusyInterval(person_id=me.id, starts_at=FIRST_END, ends_at=FIRST_END + timedelta(hours=1))
        )
        session.flush()
        identifiers = (
            me.slack_user_id,
            me.display_name,
            me.dm_channel_id,
            me.timezone,
            me.calendar_token_hash,
        )
        assert all(identifiers) and me.work_start, identifiers
        assert session.scalars(select(PulseCheck).where(PulseCheck.person_id == me.id)).all()
        assert session.scalars(select(Note).where(Note.author_id == me.id)).all()
        return Bob(me.id, tuple(str(i) for i in identifiers))


def _click(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, button: dict[str, Any], message: dict[str, Any]
) -> str:
    url = emulator.new_response_url()
    channel = emulator.open_dm(user_id)
    assert (
        slack.action(user_id, [button], channel_id=channel, message=message, response_url=url).status_code
        == 200
    )
    return url


def _tap_pulse(slack: SlackSender, emulator: SlackEmulator, prompt: dict[str, Any]) -> None:
    row = next(block for block in prompt["blocks"] if str(block.get("block_id", "")).startswith("pulse_"))
    _click(slack, emulator, BOB, row["elements"][1], prompt)


def _texts(sessions: SessionFactory) -> Iterator[tuple[str, str, str]]:
    """Every String, Text and JSON value of every table: (table, column, value as text)."""
    with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            for row in session.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        yield table.name, column.name, text


def _delete_form(slack: SlackSender, emulator: SlackEmulator) -> ModalForm:
    return opened_form(emulator, lambda: slack.command("delete-my-data", user_id=BOB))


def test_bob_deletes_his_data_and_nothing_of_his_is_left_but_the_shared_history(
    bob: Bob, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = _delete_form(slack, emulator)
    shown = text_of({"blocks": form.view["blocks"]})
    for goes in ("private notes", "pulse check-ins", "settings", "calendar feed", "time away", "Home tab"):
        assert goes in shown, goes
    assert "Topics you sent me that wait" in shown and f'show as "{FORMER_PARTICIPANT}"' in shown
    assert (
        "The other person's copy of your shared history" in shown
        and "The other person's own private" in shown
    )
    assert f"With <@{ALICE}>: it ends, and they are told" in shown
    assert f"With <@{CAROL}>: it ends, and they are told" in shown

    answer = submit_form(slack, BOB, form.fill(CONFIRM, "delete"))
    assert answer.status_code == 200 and answer.json()["response_action"] == "update"
    assert GONE in json.dumps(answer.json()["view"])

    # No text column of any table holds his private words or what identifies him.
    secrets = (*PRIVATE, *bob.identifiers)
    found = [(table, column, s) for table, column, text in _texts(sessions) for s in secrets if s in text]
    assert found == []
    with sessions() as session:
        placeholder = session.get(Person, bob.person_id)
        assert placeholder is not None and is_placeholder(placeholder.slack_user_id) and placeholder.erased_at

    # Alice and Carol are each told once; Bob's Home tab no longer shows his 1:1s.
    told = wait_for_post(emulator, ALICE, "deleted their data")
    assert "Tuesdays at 10:00" in text_of(told) and BOB not in json.dumps(told)
    wait_for_post(emulator, CAROL, "deleted their data")
    assert len(bot_messages(emulator, ALICE, "deleted their data")) == 1
    home = emulator.wait_for("views.publish", lambda call: call.args.get("user_id") == BOB)[-1]
    assert GONE in json.dumps(home.args["view"]) and ALICE not in json.dumps(home.args["view"])

    # Alice's copy: the shared history by "a former participant", and her own private note.
    history = reply_text(slack.command("history", user_id=ALICE))
    assert KEY_POINTS in history and BOB_ACTION in history and FORMER_PARTICIPANT in history
    agenda = reply_text(slack.command("agenda", user_id=ALICE))
    assert BOB_SHARED in agenda and BOB_DMED in agenda and ALICE_NOTE in agenda
    assert ALICE_MENTIONS_BOB.format(FORMER_PARTICIPANT) in agenda
    for seen in (history, agenda):
        assert BOB not in seen and not [s for s in PRIVATE if s in seen]

    # A replayed submission is harmless; and Bob is a stranger now: a command starts him afresh.
    before = snapshot(sessions)
    again = submit_form(slack, BOB, form)
    assert again.status_code == 200 and snapshot(sessions) == before
    assert len(bot_messages(emulator, ALICE, "deleted their data")) == 1
    assert "nothing stored about you" in reply_text(slack.command("delete-my-data", user_id=BOB))
    assert "You have no 1:1s yet" in reply_text(slack.command("list", user_id=BOB))
    reply_text(slack.command("away 2026-12-24", user_id=BOB))  # stores something: a new row
    with sessions() as session:
        fresh = session.scalars(select(Person).where(Person.slack_user_id == BOB)).one()
        assert fresh.id != bob.person_id and fresh.erased_at is None
        placeholder = session.get(Person, bob.person_id)
        assert placeholder is not None and is_placeholder(placeholder.slack_user_id)


@pytest.mark.parametrize("typed", ["yes", "delet", "I want to delete"])
def test_without_the_confirmation_it_is_refused_on_its_field_and_deletes_nothing(
    typed: str, bob: Bob, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = _delete_form(slack, emulator)
    before = snapshot(sessions)
    answer = submit_form(slack, BOB, form.fill(CONFIRM, typed))
    assert answer.status_code == 200
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"confirm": 'Type "delete" to confirm. Nothing was deleted.'},
    }
    assert snapshot(sessions) == before
    assert not bot_messages(emulator, ALICE, "deleted their data")


def test_someone_the_bot_never_knew_is_told_there_is_nothing_to_delete(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    before = snapshot(sessions)
    said = reply_text(slack.command("delete-my-data", user_id=DAVE))
    assert ":warning:" in said and "I have nothing stored about you" in said
    assert emulator.calls("views.open") == [] and snapshot(sessions) == before
