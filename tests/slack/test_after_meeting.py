"""After the meeting, end to end: the buttons and modals the bot really sent, clicked and submitted."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import MeetingStatus
from bot.domain.slots import WORK_END, WORK_START
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, Note, Topic
from emulator.forms import ModalForm, NotSubmittable
from emulator.requests import SlackSender
from emulator.web_api import BOT_USER_ID, SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    everything_sent_to_slack,
    fill_summary,
    opened_form,
    reply_text,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, ZONES, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
SECRET_NOTE = "Privately: I think Bob is close to burning out"


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def pair(slack: SlackSender) -> None:
    """Alice (New York) leads a weekly 1:1 with Bob (Berlin); the first is Tue 1 Dec."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command("add-topic Career growth", user_id=BOB))
    reply_text(slack.command("add-topic Budget", user_id=ALICE))


@pytest.fixture
def ended(pair: None, sessions: SessionFactory, settings: Settings) -> None:
    """Their first 1:1 is over: the tick at its end has asked both of them how it went."""
    tick(sessions, settings, FIRST_END)


def click(
    slack: SlackSender,
    emulator: SlackEmulator,
    user_id: str,
    message: dict[str, Any],
    button: dict[str, Any],
    channel: str | None = None,
) -> str:
    """Click like Slack: a block_actions payload for that message; returns its response_url."""
    url = emulator.new_response_url()
    channel = channel or emulator.dm_channel_for(user_id)
    response = slack.action(user_id, [button], channel_id=channel, message=message, response_url=url)
    assert response.status_code == 200
    return url


def open_summary_form(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks "Write the summary" in their latest follow-up: the form they see."""
    follow_up = bot_messages(emulator, user_id, "How did your 1:1")[-1]
    return opened_form(
        emulator, lambda: click(slack, emulator, user_id, follow_up, buttons(follow_up)["summary_open"])
    )


def summary_channel(emulator: SlackEmulator) -> str:
    opened = [c for c in emulator.calls("conversations.open") if c.ok and "," in c.args.get("users", "")]
    return opened[-1].response["channel"]["id"]


def test_summaries_by_both_end_in_one_private_thread_and_done_updates_it(
    ended: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    assert bot_messages(emulator, ALICE, f"How did your 1:1 with <@{BOB}> go?")
    form = open_summary_form(slack, emulator, BOB)
    assert form.view["title"]["text"] == "1:1 summary"
    fill_summary(
        form,
        "We agreed on a promotion plan",
        [("Draft the promo doc", BOB, "2026-12-10")],
        note=SECRET_NOTE,
        covered=["Career growth"],
    )
    submitted = submit_form(slack, BOB, form)
    assert submitted.status_code == 200 and not submitted.content
    group = summary_channel(emulator)
    assert sorted(emulator.members(group) or []) == sorted([ALICE, BOB, BOT_USER_ID])  # nobody else
    parent = emulator.messages(group)[0]
    assert "1:1 summary" in text_of(parent) and "We agreed on a promotion plan" in text_of(parent)
    assert "done" in [b["accessory"]["text"]["text"].lower() for b in parent["blocks"] if b.get("accessory")]

    # Alice adds hers: the same message grows, and a thread reply says so.
    form = open_summary_form(slack, emulator, ALICE)
    fill_summary(form, "Budget stays flat", [("Review the budget", ALICE, None)])
    assert submit_form(slack, ALICE, form).status_code == 200
    parent = emulator.messages(group)[0]
    text = text_of(parent)
    assert "We agreed on a promotion plan" in text and "Budget stays flat" in text
    assert "Draft the promo doc" in text and "Review the budget" in text
    reply = [m for m in emulator.messages(group) if m.get("thread_ts") == parent["ts"] != m["ts"]]
    assert reply and f"<@{ALICE}> added to the summary" in reply[0]["text"]
    # Everything went to the two of them only: no channel, no third person.
    assert all(
        c.response.get("channel", c.args.get("channel"))
        in (group, emulator.dm_channel_for(ALICE), emulator.dm_channel_for(BOB))
        for c in emulator.calls("chat.postMessage") + emulator.calls("chat.update")
    )

    # "Done" updates the one message both of them see.
    done_button = next(
        b["accessory"]
        for b in parent["blocks"]
        if b.get("accessory") and "Draft the promo doc" in b["text"]["text"]
    )
    click(slack, emulator, ALICE, parent, done_button, channel=group)
    parent = emulator.messages(group)[0]
    assert ":white_check_mark: ~Draft the promo doc" in text_of(parent)
    updates = len(emulator.calls("chat.update"))
    click(slack, emulator, BOB, parent, done_button, channel=group)  # a second click changes nothing
    assert len(emulator.calls("chat.update")) == updates

    with sessions() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        assert meeting is not None and meeting.status is MeetingStatus.HELD
        items = {a.text: a.done_at is not None for a in session.scalars(select(ActionItem))}
        assert items == {"Draft the promo doc": True, "Review the budget": False}
        topics = {t.text: t.status for t in session.scalars(select(Topic))}
        assert topics == {"Career growth": "covered", "Budget": "open"}
        assert [n.text for n in session.scalars(select(Note))] == [SECRET_NOTE]
    assert SECRET_NOTE not in everything_sent_to_slack(emulator)

    # The next prompt carries the open item and the uncovered topic, not the done one.
    tick(sessions, settings, FIRST_START + timedelta(days=6))
    prompt = text_of(bot_messages(emulator, BOB, "add your topics")[-1])
    assert "Review the budget" in prompt and "Draft the promo doc" not in prompt
    assert "*Carried over from last time*\n• Budget" in prompt
    assert SECRET_NOTE not in everything_sent_to_slack(emulator)


def test_the_private_note_is_shown_to_its_author_only(
    pair: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tick(sessions, settings, FIRST_END)
    form = open_summary_form(slack, emulator, BOB)
    assert submit_form(slack, BOB, fill_summary(form, "Fine", note=SECRET_NOTE)).status_code == 200
    assert SECRET_NOTE not in everything_sent_to_slack(emulator)
    assert SECRET_NOTE not in reply_text(slack.command("agenda", user_id=ALICE))
    mine = reply_text(slack.command("agenda", user_id=BOB))  # an ephemeral reply: Bob's eyes only
    assert "Your private notes" in mine and "Privately: I think Bob is close to burning out" in mine
    assert SECRET_NOTE not in caplog.text


def test_the_summary_goes_to_each_dm_when_the_group_dm_cannot_be_opened(
    ended: None, slack: SlackSender, emulator: SlackEmulator
) -> None:
    form = open_summary_form(slack, emulator, BOB)
    emulator.fail_next("conversations.open", status=200, error="method_not_supported_for_channel_type")
    fill_summary(form, "Solo copies", [("Follow up", BOB, None)])
    assert submit_form(slack, BOB, form).status_code == 200
    for user in (ALICE, BOB):
        copies = bot_messages(emulator, user, "Solo copies")
        assert len(copies) == 1 and "Follow up" in text_of(copies[0])
    # Done still updates every copy.
    copy = bot_messages(emulator, ALICE, "Solo copies")[0]
    done = next(
        b["accessory"] for b in copy["blocks"] if (b.get("accessory") or {}).get("action_id") == "action_done"
    )
    click(slack, emulator, ALICE, copy, done)
    for user in (ALICE, BOB):
        assert ":white_check_mark: ~Follow up" in text_of(bot_messages(emulator, user, "Solo copies")[0])


def test_skip_this_one_records_the_meeting_as_skipped_and_tells_the_other(
    ended: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    tick(sessions, settings, FIRST_END + timedelta(hours=24))  # silence: the first nudge
    clock.set(FIRST_END + timedelta(hours=25))
    nudge = bot_messages(emulator, BOB, "didn't happen")[-1]
    url = click(slack, emulator, BOB, nudge, buttons(nudge)["slot_skip"])
    assert "Skipped this one" in emulator.response_posts(url)[-1].payload["text"]
    assert bot_messages(emulator, ALICE, f"<@{BOB}> skipped your 1:1")
    with sessions() as session:
        first = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        assert first is not None and first.status is MeetingStatus.SKIPPED
    tick(sessions, settings, FIRST_END + timedelta(hours=48))
    assert len(bot_messages(emulator, BOB, "didn't happen")) == 1  # no second nudge for a skipped one


def test_a_summary_for_someone_elses_meeting_or_a_bad_owner_is_refused(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    opened = open_summary_form(slack, emulator, BOB).view

    def form() -> ModalForm:  # each try starts from the form as opened
        return ModalForm(opened)

    # Forged: Carol sends the form Bob opened (under another view id), as a hand-crafted client could.
    snooping = fill_summary(form(), "Snooping").state_values()
    outsider = slack.submit(CAROL, form().forged(id="VOTHER001"), snooping)
    assert outsider.json()["errors"] == {"key_points": "That 1:1 isn't one of yours."}
    bad_owner = submit_form(slack, BOB, fill_summary(form(), "Notes", [("Do a thing", CAROL, None)]))
    # On the owner field, in plain words: a form error is plain text, where "<@U…>" would show raw.
    assert bad_owner.json()["errors"] == {"action_1_owner": "Pick one of the two of you as the owner."}
    # A note over the input's max_length: Slack's client won't send it; a forged request gets the app's word.
    long_note = fill_summary(form(), "Notes", note="&" * 3001)
    with pytest.raises(NotSubmittable, match="Private note"):
        submit_form(slack, BOB, long_note)
    forged_long_note = slack.submit(BOB, long_note.view, long_note.state_values(unchecked=True))
    assert "the limit is 3,000" in forged_long_note.json()["errors"]["note"]
    empty = submit_form(slack, BOB, fill_summary(form()))
    assert "key points or at least one action item" in empty.json()["errors"]["key_points"]
    with sessions() as session:
        assert session.scalars(select(ActionItem)).all() == []
        assert (
            session.scalars(select(Meeting).order_by(Meeting.starts_at)).first().status
            is MeetingStatus.SCHEDULED
        )  # type: ignore[union-attr]


def test_the_same_submission_twice_is_stored_once(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = fill_summary(open_summary_form(slack, emulator, BOB), "Once", [("Only once", BOB, None)])
    submit_form(slack, BOB, form)
    submit_form(slack, BOB, form, retry_num=1)
    with sessions() as session:
        assert [a.text for a in session.scalars(select(ActionItem))] == ["Only once"]


def slot_is_inside_working_hours(epoch: int, user_ids: list[str]) -> bool:
    start = datetime.fromtimestamp(epoch, UTC)
    for user_id in user_ids:
        local = start.astimezone(ZoneInfo(ZONES[user_id]))
        end = (start + timedelta(minutes=30)).astimezone(ZoneInfo(ZONES[user_id]))
        if (
            local.weekday() > 4
            or local.time() < WORK_START
            or end.time() > WORK_END
            or end.date() != local.date()
        ):
            return False
    return True


def test_it_didnt_happen_offers_slots_in_both_working_hours_and_a_choice_moves_only_that_meeting(
    ended: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    clock.set(FIRST_END + timedelta(minutes=5))
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    url = click(slack, emulator, BOB, follow_up, buttons(follow_up)["meeting_not_held"])
    assert "suggested new times" in emulator.response_posts(url)[-1].payload["text"]

    nudges = {user: bot_messages(emulator, user, "didn't happen")[-1] for user in (ALICE, BOB)}
    slot_buttons = [
        b["accessory"]
        for b in nudges[ALICE]["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "slot_choose"
    ]
    assert 2 <= len(slot_buttons) <= 4
    epochs = [int(b["value"].split(":")[1]) for b in slot_buttons]
    assert all(slot_is_inside_working_hours(epoch, [ALICE, BOB]) for epoch in epochs)
    assert "Skip this one" in json.dumps(nudges[BOB]["blocks"])

    with sessions() as session:
        before = {m.id: m.starts_at for m in session.scalars(select(Meeting))}
    chosen = slot_buttons[1]
    click(slack, emulator, ALICE, nudges[ALICE], chosen)
    new_start = datetime.fromtimestamp(epochs[1], UTC)
    for user in (ALICE, BOB):
        assert bot_messages(emulator, user, "booked your missed 1:1")
    with sessions() as session:
        after = {m.id: m.starts_at for m in session.scalars(select(Meeting))}
    moved = [meeting_id for meeting_id in before if before[meeting_id] != after[meeting_id]]
    assert len(moved) == 1 and after[moved[0]] == new_start
    # Its prompt is armed again: asked for topics a day before the new time (or at once if sooner).
    prompts = len(bot_messages(emulator, BOB, "add your topics"))
    tick(sessions, settings, max(clock(), new_start - timedelta(hours=24)))
    assert len(bot_messages(emulator, BOB, "add your topics")) == prompts + 1
    # The other person's (now stale) buttons change nothing.
    url = click(slack, emulator, BOB, nudges[BOB], slot_buttons[0])
    assert "already rebooked" in emulator.response_posts(url)[-1].payload["text"]


def test_new_york_and_tokyo_are_offered_the_closest_slots_with_whose_evening_it_is(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{CAROL}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END + timedelta(minutes=5))
    follow_up = bot_messages(emulator, CAROL, "How did your 1:1")[-1]
    click(slack, emulator, CAROL, follow_up, buttons(follow_up)["meeting_not_held"])
    nudge = bot_messages(emulator, CAROL, "didn't happen")[-1]
    slots = [b for b in nudge["blocks"] if (b.get("accessory") or {}).get("action_id") == "slot_choose"]
    assert slots
    for block in slots:
        assert "outside working hours" in block["text"]["text"]
        assert "evening" in block["text"]["text"] or "early morning" in block["text"]["text"]


def test_silence_leads_to_two_nudges_then_missed(
    ended: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    tick(sessions, settings, FIRST_END + timedelta(hours=23))
    assert not bot_messages(emulator, ALICE, "didn't happen")
    tick(sessions, settings, FIRST_END + timedelta(hours=24))
    assert len(bot_messages(emulator, ALICE, "didn't happen")) == 1
    tick(sessions, settings, FIRST_END + timedelta(hours=47))
    assert len(bot_messages(emulator, ALICE, "didn't happen")) == 1
    tick(sessions, settings, FIRST_END + timedelta(hours=48))
    second = bot_messages(emulator, BOB, "didn't happen")
    assert len(second) == 2 and "Last call" in second[-1]["text"] + text_of(second[-1])
    for hours in (72, 96, 150):  # the next meeting (8 Dec) is not due for a nudge yet
        tick(sessions, settings, FIRST_END + timedelta(hours=hours))
    assert len(bot_messages(emulator, ALICE, "didn't happen")) == 2  # never a third
    with sessions() as session:
        first = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        assert first is not None and first.status is MeetingStatus.MISSED


def test_list_counts_held_skipped_and_missed(
    ended: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    # 1 Dec: held (a summary). 8 Dec: skipped ahead of time. 15 Dec: nobody records it: missed.
    form = open_summary_form(slack, emulator, BOB)
    assert submit_form(slack, BOB, fill_summary(form, "Good one")).status_code == 200
    clock.set(FIRST_END + timedelta(hours=1))
    reply_text(slack.command("skip", user_id=ALICE))
    third_end = FIRST_END + timedelta(days=14)
    for hours in (0, 24, 48, 72):
        tick(sessions, settings, third_end + timedelta(hours=hours))
    clock.set(third_end + timedelta(hours=73))
    listed = reply_text(slack.command("list", user_id=BOB))
    assert "last 3: 1 held, 1 skipped, 1 missed :warning:" in listed


def test_action_items_between_meetings_by_command(
    pair: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    added = reply_text(
        slack.command(f"add-action Send the offsite agenda due 2026-12-04 for <@{BOB}>", user_id=ALICE)
    )
    assert f"for <@{BOB}>: Send the offsite agenda" in added
    with sessions() as session:
        item = session.scalars(select(ActionItem)).one()
    listed = slack.command("actions", user_id=BOB).json()
    assert f"#{item.id}" in json.dumps(listed) and "Send the offsite agenda" in json.dumps(listed)
    refused = reply_text(slack.command(f"done {item.id}", user_id=CAROL))
    assert f"no action item #{item.id}" in refused
    assert "Done: ~Send the offsite agenda~" in reply_text(slack.command(f"done #{item.id}", user_id=BOB))
    assert "No open action items" in reply_text(slack.command("actions", user_id=ALICE))
