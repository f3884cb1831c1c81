""" "Last time" and the status-only nudge, end to end (issue 14, part 3): a meeting summarised through the
form the bot sent, then the next prompt as the emulator recorded it, and `/1on1 agenda`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.last_time import NUDGE_THEMES
from bot.domain.questions import BANK
from bot.services.agenda import AgendaView
from bot.services.last_time import LastTime, StatusNudge
from bot.slack.blocks.common import to_dicts
from bot.slack.blocks.last_time import last_time_blocks, nudge_blocks
from bot.store.db import SessionFactory
from bot.store.models import ActionItem
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    reply_of,
    reply_text,
    submit_form,
    tick,
)
from tests.slack.people import ALICE, BOB, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
SECOND_PROMPT = FIRST_START + timedelta(days=7) - timedelta(hours=24)
PROMPT = "add your topics"  # in every pre-meeting prompt's text
NUDGE = "status updates"
KEY_POINTS = (
    "- Reviewed the Q1 roadmap & R&D budget\n"
    "Decided: Bob leads the offsite\n"
    "- Talked about hiring\n"
    "- The third point, not shown"
)


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def section_texts(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def first_after_divider(message: dict[str, Any]) -> str:
    """The prompt's agenda opens after its divider: the first block there."""
    blocks = message["blocks"]
    divider = next(n for n, b in enumerate(blocks) if b["type"] == "divider")
    return blocks[divider + 1]["text"]["text"]


def latest_prompt(emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    found = bot_messages(emulator, user_id, PROMPT)
    assert found, f"no prompt to {user_id}"
    return found[-1]


def write_summary(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks "Write the summary" in their "How did your 1:1 go?": the form they see."""
    follow_up = bot_messages(emulator, user_id, "How did your 1:1")[-1]

    def click() -> None:
        channel = emulator.dm_channel_for(user_id)
        button = buttons(follow_up)["summary_open"]
        assert slack.action(user_id, [button], channel_id=channel, message=follow_up).status_code == 200

    return opened_form(emulator, click)


def click_done(slack: SlackSender, emulator: SlackEmulator, user_id: str, item: str) -> None:
    """`user_id` clicks *Done* beside `item` in the posted summary (in the pair's group DM)."""
    opened = [c for c in emulator.calls("conversations.open") if c.ok and "," in c.args.get("users", "")]
    group = opened[-1].response["channel"]["id"]
    summary = emulator.messages(group)[0]
    done = next(
        b["accessory"]
        for b in summary["blocks"]
        if (b.get("accessory") or {}).get("action_id") == "action_done" and item in b["text"]["text"]
    )
    assert slack.action(user_id, [done], channel_id=group, message=summary).status_code == 200


def test_a_prompt_opens_with_last_times_key_points(
    slack: SlackSender,
    clock: FakeClock,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command("add-topic Career growth", user_id=BOB))
    reply_text(slack.command("add-topic Budget for Q1", user_id=ALICE))
    tick(sessions, settings, FIRST_END)  # "How did your 1:1 go?"
    clock.set(FIRST_END + timedelta(hours=1))
    form = fill_summary(
        write_summary(slack, emulator, BOB),
        KEY_POINTS,
        [("Draft the promo doc", BOB, None), ("Ask finance about travel", ALICE, None)],
        note="Privately: Alice seemed distracted",
        covered=["Career growth"],  # "Budget for Q1" left unticked
    )
    assert submit_form(slack, BOB, form).status_code == 200
    clock.set(FIRST_END + timedelta(days=2))
    click_done(slack, emulator, ALICE, "Draft the promo doc")
    with sessions() as session:
        assert [
            a.text for a in session.scalars(select(ActionItem).where(ActionItem.done_at.is_not(None)))
        ] == ["Draft the promo doc"]

    tick(sessions, settings, SECOND_PROMPT)
    date_token = f"<!date^{int(FIRST_START.timestamp())}^"
    for user_id in (BOB, ALICE):
        prompt = latest_prompt(emulator, user_id)
        assert prompt["text"].startswith(f"Your 1:1 with <@{ALICE if user_id == BOB else BOB}> is <!date^")
        opening = first_after_divider(prompt)
        lines = opening.splitlines()
        assert lines[0].startswith(":leftwards_arrow_with_hook: *Last time* (" + date_token)
        assert lines[1:] == [
            "> Reviewed the Q1 roadmap &amp; R&amp;D budget",  # escaped once
            "> Talked about hiring …",  # two lines, and there was more
            "*Decided:* Bob leads the offsite",
            "*Done since:* Draft the promo doc",
            "*Not covered, carried over:* Budget for Q1",
        ]
        everything = "\n".join(section_texts(prompt))
        assert "Privately" not in everything and "third point" not in everything
        assert "*Carried over from last time*\n• Budget for Q1" in everything  # listed in full below

    clock.set(SECOND_PROMPT + timedelta(minutes=5))
    agenda = reply_of(slack.command("agenda", user_id=BOB))
    assert agenda["blocks"][1]["text"]["text"] == first_after_divider(latest_prompt(emulator, BOB))


def nudge_of(message: dict[str, Any]) -> str | None:
    said = [text for text in section_texts(message) if NUDGE in text]
    assert len(said) <= 1
    return said[0] if said else None


def suggested(message: dict[str, Any]) -> str:
    """The question the nudge suggests: quoted in it, or the agenda's own question just below it."""
    nudge = nudge_of(message)
    assert nudge is not None
    quoted = re.search(r"\n> _(.+)_$", nudge)
    if quoted:
        return quoted.group(1)
    assert nudge.endswith("Maybe start with the question below.")
    below = [b for b in message["blocks"] if "Something to think about" in str(b)]
    found = re.search(r"about:\* _(.+)_$", below[0]["elements"][0]["text"])
    assert found
    return found.group(1)


def test_a_status_only_agenda_is_nudged_kindly(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    for text in ("Update on the API", "Sprint review"):
        reply_text(slack.command(f"add-topic {text}", user_id=ALICE))
    # The manager's status topics alone: it is the report's meeting that matters, nobody is nudged.
    for user_id in (ALICE, BOB):
        assert nudge_of(reply_of(slack.command("agenda", user_id=user_id))) is None

    for text in ("Status of PAY-12", "PR #482 review", "Deployed 2.3 to staging"):
        reply_text(slack.command(f"add-topic {text}", user_id=BOB))
    tick(sessions, settings, clock())
    to_bob, to_alice = latest_prompt(emulator, BOB), latest_prompt(emulator, ALICE)
    bob_nudge = nudge_of(to_bob)
    assert bob_nudge is not None and bob_nudge.startswith(
        ":seedling: Your agenda so far is status updates. They're useful, and they could go in a message; "
        "1:1 time is best for what a message can't do. Maybe "
    )
    alice_nudge = nudge_of(to_alice)
    assert alice_nudge is not None and alice_nudge.startswith(
        f":seedling: So far <@{BOB}>'s topics are status"
    )
    themed = {q.text for q in BANK if q.theme in NUDGE_THEMES}
    assert suggested(to_bob) in themed and suggested(to_bob) == suggested(to_alice)
    # Short: well inside Slack's limits.
    assert len(to_bob["blocks"]) < 20 and all(len(text) < 1000 for text in section_texts(to_bob))
    assert nudge_of(reply_of(slack.command("agenda", user_id=BOB))) == bob_nudge  # the same in the agenda

    reply_text(slack.command("add-topic What I'd like to learn next quarter", user_id=BOB))
    for user_id in (BOB, ALICE):
        agenda = reply_of(slack.command("agenda", user_id=user_id))
        assert "What I'd like to learn next quarter" in str(agenda) and nudge_of(agenda) is None


# --- how it reads, whatever was written (no Slack needed) ------------------------------------------------


def agenda_view(**kw: Any) -> AgendaView:
    base: dict[str, Any] = {
        "viewer_user_id": BOB,
        "other_user_id": ALICE,
        "report_user_id": BOB,
        "meeting_id": 2,
        "starts_at": FIRST_START + timedelta(days=7),
        "timezone": "Europe/Berlin",
        "topics": [],
        "carried_over": [],
        "actions": [],
    }
    return AgendaView(**(base | kw))


def test_last_time_stays_one_short_section_however_much_was_written() -> None:
    long = "<!channel> & " + "x" * 5000
    last = LastTime(1, FIRST_START, [long, long], True, [long] * 9, [long] * 9, [long] * 9)
    blocks = to_dicts(last_time_blocks(agenda_view(last_time=last)))
    assert len(blocks) == 1 and len(blocks[0]["text"]["text"]) < 2000  # of 3,000
    text = blocks[0]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt; &amp; xxx" in text  # escaped once, never a ping
    assert text.count(" and 6 more") == 3 and "…" in text


def test_last_time_with_decisions_only_or_nothing_written() -> None:
    decided = LastTime(1, FIRST_START, [], False, ["Weekly demos"])
    text = to_dicts(last_time_blocks(agenda_view(last_time=decided)))[0]["text"]["text"]
    assert text.splitlines()[1:] == ["*Decided:* Weekly demos"]
    empty = LastTime(1, FIRST_START, [], False)
    text = to_dicts(last_time_blocks(agenda_view(last_time=empty)))[0]["text"]["text"]
    assert text.splitlines()[1:] == ["_No key points were written._"]
    assert last_time_blocks(agenda_view()) == []


def test_the_nudge_names_the_question_once_or_none_when_there_is_none() -> None:
    question = "What would you like to learn next?"
    own = agenda_view(status_nudge=StatusNudge(BOB, question, "grw-learn-next"), question=question)
    text = to_dicts(nudge_blocks(own))[0]["text"]["text"]
    assert text.endswith("Maybe start with the question below.") and question not in text
    none = agenda_view(status_nudge=StatusNudge(BOB, None))
    text = to_dicts(nudge_blocks(none))[0]["text"]["text"]
    assert text.endswith("how things are going, what to learn next, or feedback both ways.")
    for_alice = agenda_view(viewer_user_id=ALICE, other_user_id=BOB, status_nudge=StatusNudge(BOB, question))
    text = to_dicts(nudge_blocks(for_alice))[0]["text"]["text"]
    assert text.endswith(f"Maybe ask this one:\n> _{question}_") and f"<@{BOB}>'s topics" in text
    assert nudge_blocks(agenda_view()) == []
