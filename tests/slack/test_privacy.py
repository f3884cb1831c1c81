"""What happens in the 1:1 stays in the 1:1: an outsider gets nothing out of, and changes nothing in,
someone else's 1:1, through any command, DM, button or modal; a private note never leaves its author.

Two pairs share one workspace: Alice (New York) and Bob (Berlin), Carol (Tokyo) and Dave (New York).
Alice and Bob have a schedule, topics from both, a held meeting with a summary, action items and private
notes, a missed meeting with reschedule slots on offer, and a DM'd topic of Alice's waiting for her to
pick a 1:1 (she also shares an agenda with Dave). Carol then tries every way in with their ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import MeetingStatus
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, PendingTopic, Series, Topic
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.read_back import changed
from tests.slack.helpers import (
    COVERED_TOPICS,
    NEW_TOPIC,
    bot_messages,
    buttons,
    everything_sent_to_slack,
    fill_summary,
    opened_form,
    pair_id,
    reply_text,
    schedule_both_pairs,
    snapshot,
    submit_form,
    text_of,
    tick,
    written_in_dm,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, ZONES, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York
FIRST_END = FIRST_START + timedelta(minutes=30)
SECOND_END = FIRST_END + timedelta(days=7)

# Alice and Bob's 1:1 content; none of it may ever reach Carol.
BOB_TOPIC = "Promotion case for Bob, honest version"
ALICE_TOPIC = "Budget cut rumours in the platform team"
KEY_POINTS = "Agreed Bob leads the migration next quarter"
BOB_ACTION = "Draft the migration staffing plan"
ALICE_ACTION = "Ask HR about the retention bonus"
PENDING_TEXT = "Whether to tell the team about the reorg"
ALICE_NOTE = "Alice privately: Bob seems disengaged lately"  # by `/1on1 note`
BOB_NOTE = "Bob privately: I am interviewing elsewhere"  # in his summary
AB_TEXTS = (BOB_TOPIC, ALICE_TOPIC, KEY_POINTS, BOB_ACTION, ALICE_ACTION, PENDING_TEXT, ALICE_NOTE, BOB_NOTE)
CD_TOPIC = "Carol and Dave talk about the conference talk"


@dataclass(frozen=True)
class World:
    ab_pair: int
    cd_pair: int
    ab_series: int
    held: int  # Alice and Bob's first meeting: summary written
    missed: int  # their second: "it didn't happen", slots on offer
    next_ab: int  # their third, still ahead
    cd_meeting: int
    topics: dict[str, int]
    actions: dict[str, int]
    pending: int
    offered_slot: int
    alice_prompt_ts: str
    alice_dm: str


def leaked(text: str, secrets: tuple[str, ...] = AB_TEXTS) -> list[str]:
    return [secret for secret in secrets if secret in text]


def click(
    slack: SlackSender,
    emulator: SlackEmulator,
    user_id: str,
    button: dict[str, Any],
    message: dict[str, Any] | None = None,
) -> str:
    """A block_actions payload as Slack sends it for `message`; returns its response_url."""
    url = emulator.new_response_url()
    channel = emulator.open_dm(user_id)
    response = slack.action(
        user_id, [button], channel_id=channel, message=message or {"ts": "1.000001"}, response_url=url
    )
    assert response.status_code == 200, response.text
    return url


@pytest.fixture
def build_world(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> Callable[[], World]:
    """Both pairs, through the real flows: commands, ticks, clicks, the summary modal, a DM; built when
    called, so that a test can watch the log while they are."""

    def build() -> World:
        add_people(emulator)
        schedule_both_pairs(slack)
        reply_text(slack.command(f"add-topic <@{ALICE}> {BOB_TOPIC}", user_id=BOB))
        reply_text(slack.command(f"add-topic <@{BOB}> {ALICE_TOPIC}", user_id=ALICE))
        reply_text(slack.command(f"note <@{BOB}> {ALICE_NOTE}", user_id=ALICE))
        reply_text(slack.command(f"add-topic <@{CAROL}> {CD_TOPIC}", user_id=DAVE))
        tick(sessions, settings, clock())  # pre-meeting prompts for both pairs

        # After the first meeting Bob writes the summary: key points, an action item, a private note.
        tick(sessions, settings, FIRST_END)
        clock.set(FIRST_END + timedelta(minutes=5))
        follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
        form = opened_form(
            emulator, lambda: click(slack, emulator, BOB, buttons(follow_up)["summary_open"], follow_up)
        )
        fill_summary(form, KEY_POINTS, [(BOB_ACTION, BOB, "2026-12-10")], BOB_NOTE, covered=[ALICE_TOPIC])
        submitted = submit_form(slack, BOB, form)
        assert submitted.status_code == 200 and not submitted.content, submitted.text
        reply_text(slack.command(f"add-action <@{BOB}> {ALICE_ACTION}", user_id=ALICE))

        # The second meeting "didn't happen": reschedule slots are on offer.
        tick(sessions, settings, SECOND_END)
        clock.set(SECOND_END + timedelta(minutes=5))
        follow_up = bot_messages(emulator, ALICE, "How did your 1:1")[-1]
        click(slack, emulator, ALICE, buttons(follow_up)["meeting_not_held"], follow_up)
        nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
        slot = buttons(nudge)["slot_choose"]

        # Alice shares an agenda with Dave too, so a plain DM of hers waits for her to pick a 1:1.
        reply_text(slack.command(f"schedule <@{DAVE}> monthly fri 15:00", user_id=ALICE))
        reply_text(slack.command(f"add-topic <@{DAVE}> Hiring plan", user_id=ALICE))
        alice_dm, ts = written_in_dm(emulator, ALICE, PENDING_TEXT)
        assert slack.dm(ALICE, PENDING_TEXT, channel=alice_dm, ts=ts).status_code == 200
        assert bot_messages(emulator, ALICE, "Which 1:1 is this topic for?")

        prompt = next(
            m
            for m in emulator.messages(alice_dm)
            if m.get("bot_id") and "add your topics" in m.get("text", "")
        )
        with sessions() as session:
            ab_pair, cd_pair = pair_id(session, ALICE, BOB), pair_id(session, CAROL, DAVE)
            ab_meetings = list(
                session.scalars(select(Meeting).where(Meeting.pair_id == ab_pair).order_by(Meeting.starts_at))
            )
            cd_meeting = session.scalars(
                select(Meeting).where(Meeting.pair_id == cd_pair).order_by(Meeting.starts_at)
            ).first()
            assert ab_meetings[0].status is MeetingStatus.HELD and ab_meetings[1].offered_slots
            assert cd_meeting is not None
            world = World(
                ab_pair=ab_pair,
                cd_pair=cd_pair,
                ab_series=session.scalars(select(Series.id).where(Series.pair_id == ab_pair)).one(),
                held=ab_meetings[0].id,
                missed=ab_meetings[1].id,
                next_ab=ab_meetings[2].id,
                cd_meeting=cd_meeting.id,
                topics={t.text: t.id for t in session.scalars(select(Topic))},
                actions={a.text: a.id for a in session.scalars(select(ActionItem))},
                pending=session.scalars(select(PendingTopic.id)).one(),
                offered_slot=int(slot["value"].split(":")[1]),
                alice_prompt_ts=prompt["ts"],
                alice_dm=alice_dm,
            )
        for user_id in ZONES:  # time zones cached as of now, so no read below refreshes one
            reply_text(slack.command("list", user_id=user_id))
        # Everything Carol will try to reach really is there, and visible to its owners.
        assert not leaked(everything_sent_to_slack(emulator), (ALICE_NOTE, BOB_NOTE))
        mine = reply_text(slack.command(f"agenda <@{BOB}>", user_id=ALICE))
        assert BOB_TOPIC in mine and ALICE_ACTION in mine and BOB_ACTION in mine and ALICE_NOTE in mine
        return world

    return build


@pytest.fixture
def world(build_world: Callable[[], World]) -> World:
    return build_world()


def outsider_commands(w: World) -> list[str]:
    bob_action, alice_action = w.actions[BOB_ACTION], w.actions[ALICE_ACTION]
    return [
        f"agenda <@{BOB}>",
        f"agenda <@{ALICE}|alice>",
        f"actions <@{ALICE}>",
        f"actions <@{BOB}>",
        f"done {bob_action}",
        f"done #{alice_action}",
        f"skip <@{BOB}>",
        f"reschedule <@{BOB}> tomorrow 11:00",
        f"reschedule <@{ALICE}> 2026-12-20 09:00",
        f"cancel <@{BOB}>",
        f"cancel <@{ALICE}>",
        f"add-action <@{BOB}> Snoop on the budget",
        f"add-action <@{DAVE}> Snoop for <@{BOB}>",  # her own pair, but an owner from theirs
        f"note <@{BOB}> Something about Bob",
    ]


def test_an_outsider_gets_nothing_from_any_command_and_changes_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)
    calls = len(emulator.calls())
    for text in outsider_commands(world):
        response = slack.command(text, user_id=CAROL)
        assert response.status_code == 200, text
        body = response.json()
        assert body["response_type"] == "ephemeral", text
        shown = json.dumps(body, ensure_ascii=False)
        assert ":warning:" in shown, (text, shown)  # refused, not quietly done
        assert not leaked(shown), (text, shown)
        assert changed(before, snapshot(sessions)) == set(), text
    assert len(emulator.calls()) == calls  # nobody was told anything, nothing was updated

    # Her own views show her own 1:1 and nothing of theirs.
    for text in ("agenda", "actions", "list", f"agenda <@{DAVE}>"):
        shown = reply_text(slack.command(text, user_id=CAROL))
        assert not leaked(shown), (text, shown)
    assert CD_TOPIC in reply_text(slack.command("agenda", user_id=CAROL))
    assert changed(before, snapshot(sessions)) == set()


def test_an_outsiders_dm_in_the_thread_of_their_prompt_goes_to_her_own_1on1(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)
    carol_dm = emulator.open_dm(CAROL)
    # As Slack delivers it: Carol's own DM channel, with the ts of Alice's prompt as the thread.
    # Then crafted: Alice's DM channel itself, which Slack would never send for Carol.
    for n, channel in enumerate((carol_dm, world.alice_dm)):
        text = f"Carol's thread reply {n}"
        ts = emulator.add_message(carol_dm, CAROL, text)["ts"]
        calls = len(emulator.calls())
        response = slack.dm(CAROL, text, channel=channel, ts=ts, thread_ts=world.alice_prompt_ts)
        assert response.status_code == 200
        with sessions() as session:
            topic = session.scalars(select(Topic).where(Topic.text == text)).one()
            meeting = session.get(Meeting, topic.meeting_id)
            assert topic.pair_id == world.cd_pair and meeting is not None and meeting.pair_id == world.cd_pair
        # One answer, in the thread she wrote in, about her own 1:1 only.
        answers = [c.args for c in emulator.calls()[calls:]]
        assert [(a.get("channel"), a.get("thread_ts")) for a in answers] == [(channel, world.alice_prompt_ts)]
        assert f"Added to your 1:1 with <@{DAVE}>" in text_of(answers[0])
        assert not leaked(json.dumps(answers, ensure_ascii=False)) and f"<@{BOB}>" not in text_of(answers[0])
    after = snapshot(sessions)
    # Only Carol's two topics and their two thread replies are new; no row of Alice and Bob changed.
    assert changed(before, after) == {"outbox", "topic"}
    assert set(before["topic"]) <= set(after["topic"]) and len(after["topic"]) == len(before["topic"]) + 2
    assert set(before["outbox"]) <= set(after["outbox"]) and len(after["outbox"]) == len(before["outbox"]) + 2


def outsider_clicks(w: World) -> list[tuple[str, str]]:
    return [
        *[("agenda_add_topic", str(m)) for m in (w.held, w.missed, w.next_ab)],
        ("pending_topic_choose", f"{w.pending}:{w.ab_pair}"),
        ("pending_topic_choose", f"{w.pending}:{w.cd_pair}"),  # her own 1:1 as the target
        ("series_cancel_confirm", str(w.ab_series)),
        ("series_cancel_keep", str(w.ab_series)),
        *[("summary_open", str(m)) for m in (w.held, w.missed, w.next_ab)],
        *[("meeting_not_held", str(m)) for m in (w.held, w.missed, w.next_ab)],
        ("action_done", str(w.actions[BOB_ACTION])),
        ("action_done", str(w.actions[ALICE_ACTION])),
        ("slot_choose", f"{w.missed}:{w.offered_slot}"),
        ("slot_skip", str(w.missed)),
    ]


def test_an_outsiders_clicks_with_their_ids_are_refused_and_change_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)
    posted = len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update"))
    for action_id, value in outsider_clicks(world):
        opened = len(emulator.calls("views.open"))
        url = click(slack, emulator, CAROL, {"type": "button", "action_id": action_id, "value": value})
        posts = [p.payload for p in emulator.response_posts(url)]
        what = (action_id, value, posts)
        assert not leaked(json.dumps(posts, ensure_ascii=False)), what
        if action_id == "agenda_add_topic":
            # An empty form opens; what it submits is refused (see the modal test below).
            views = [c.args["view"] for c in emulator.calls("views.open")[opened:]]
            assert posts == [] and len(views) == 1, what
            assert not leaked(json.dumps(views, ensure_ascii=False)), what
        elif action_id == "series_cancel_keep":
            assert [p["text"] for p in posts] == ["OK, nothing changed: your 1:1 carries on."], what
        else:
            assert len(posts) == 1 and posts[0]["text"].startswith(":warning:"), what
            assert posts[0]["response_type"] == "ephemeral" and posts[0]["replace_original"] is False, what
            assert len(emulator.calls("views.open")) == opened, what  # no summary form with their topics
        assert changed(before, snapshot(sessions)) == set(), what
    assert len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update")) == posted


def test_an_outsiders_modal_submissions_for_their_meetings_store_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)

    def opened_by_carol(action_id: str, meeting: int) -> ModalForm:
        button = {"type": "button", "action_id": action_id, "value": str(meeting)}
        return opened_form(emulator, lambda: click(slack, emulator, CAROL, button))

    # Their topics, ticked as covered: options no form of Carol's shows, so a forged state.
    covered = [
        {"text": {"type": "plain_text", "text": "x"}, "value": str(world.topics[t])}
        for t in (BOB_TOPIC, "Hiring plan")
    ]
    # Carol's own summary form (a crafted click, her own meeting): what she forges from.
    own_summary = opened_by_carol("summary_open", world.cd_meeting)
    for meeting in (world.held, world.missed, world.next_ab):
        # A crafted click opens an empty add-topic form for their meeting; she fills it in and sends it.
        form = opened_by_carol("agenda_add_topic", meeting).fill(NEW_TOPIC, "Carol's sneaky topic")
        assert form.view["private_metadata"] == str(meeting)
        refused = submit_form(slack, CAROL, form)
        assert refused.json() == {
            "response_action": "errors",
            "errors": {"topic": "That 1:1 isn't one of yours."},
        }
        for owner in (BOB, CAROL):
            # Forged: her own summary form, sent with their meeting's id and their topics ticked.
            form = ModalForm(own_summary.view)
            fill_summary(form, "Carol's version", [("Carol's item", owner, None)], "Carol's note")
            values = form.forge(COVERED_TOPICS, covered).state_values(unchecked=True)
            refused = slack.submit(CAROL, form.forged(private_metadata=str(meeting)), values)
            assert refused.json() == {
                "response_action": "errors",
                "errors": {"key_points": "That 1:1 isn't one of yours."},
            }, (meeting, owner)
        assert changed(before, snapshot(sessions)) == set(), meeting

    # Her own meeting's summary, forged to tick their topics as covered: theirs stay open and unseen.
    form = fill_summary(ModalForm(own_summary.view), "Talk accepted").forge(COVERED_TOPICS, covered)
    accepted = slack.submit(CAROL, form.view, form.state_values(unchecked=True))
    assert accepted.status_code == 200 and not accepted.content, accepted.text
    after = snapshot(sessions)
    assert after["topic"] == before["topic"]
    assert changed(before, after) <= {"meeting", "summary", "outbox", "person"}
    with sessions() as session:
        mine = session.get(Meeting, world.cd_meeting)
        assert mine is not None and mine.status is MeetingStatus.HELD
    summary_posts = [c.args for c in emulator.calls() if "Talk accepted" in json.dumps(c.args)]
    assert summary_posts and not leaked(json.dumps(summary_posts, ensure_ascii=False))
    assert not leaked(everything_sent_to_slack(emulator), (ALICE_NOTE, BOB_NOTE, PENDING_TEXT))


def test_a_private_note_never_leaves_its_author(
    build_world: Callable[[], World],
    slack: SlackSender,
    emulator: SlackEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    w = build_world()
    # Alice reopens the summary form of the held meeting and adds hers; both read everything they can.
    follow_up = bot_messages(emulator, ALICE, "How did your 1:1")[0]
    button = {**buttons(follow_up)["summary_open"], "value": str(w.held)}
    form = opened_form(emulator, lambda: click(slack, emulator, ALICE, button, follow_up))
    fill_summary(form, "Alice's side", note="Alice's second private note")
    assert submit_form(slack, ALICE, form).status_code == 200
    to_alice, to_bob = [], []
    for text in ("agenda", "actions", "list"):
        to_alice.append(
            reply_text(slack.command(f"{text} <@{BOB}>" if text != "list" else text, user_id=ALICE))
        )
        to_bob.append(
            reply_text(slack.command(f"{text} <@{ALICE}>" if text != "list" else text, user_id=BOB))
        )
    for user_id in (ALICE, BOB):
        to_alice_or_bob = [text_of(m) for m in bot_messages(emulator, user_id, "")]
        (to_alice if user_id == ALICE else to_bob).extend(to_alice_or_bob)

    # Each sees their own note, in their own ephemeral agenda only...
    assert ALICE_NOTE in to_alice[0] and "Alice's second private note" in to_alice[0]
    assert BOB_NOTE in to_bob[0]
    # ...and never the other's, in any reply or message.
    assert not leaked("\n".join(to_bob), (ALICE_NOTE, "Alice's second private note"))
    assert not leaked("\n".join(to_alice), (BOB_NOTE,))
    notes = (ALICE_NOTE, BOB_NOTE, "Alice's second private note")
    assert not leaked(everything_sent_to_slack(emulator), notes)
    assert not leaked(caplog.text, notes)


def test_log_lines_carry_ids_not_topic_text(
    build_world: Callable[[], World], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    build_world()
    lines = [(r.name, r.levelno, caplog.handler.format(r)) for r in caplog.records]
    assert any(name.startswith("bot.") for name, _, _ in lines)  # the bot's own lines were captured
    with_text = [(name, level, line[:200]) for name, level, line in lines if leaked(line)]
    # No line of the bot's, Bolt's or anyone's carries 1:1 text, at any level...
    assert [(n, lv, line) for n, lv, line in with_text if not _slack_sdk_wire_trace(n, lv)] == []
    # ...except slack-sdk's own DEBUG wire trace, which prints every Web API request and response
    # body (prompts, summary forms, summaries). `python -m bot` logs at INFO, where it is silent;
    # reported, not fixed here. The private notes are never sent to Slack, so not even there.
    assert not leaked("\n".join(line for _, _, line in lines), (ALICE_NOTE, BOB_NOTE))


def _slack_sdk_wire_trace(logger_name: str, level: int) -> bool:
    return logger_name == "slack_sdk.web.base_client" and level == logging.DEBUG


def test_a_note_the_database_refuses_is_not_written_to_the_log(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    add_people(emulator)
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    secret = "Bob privately: I am interviewing elsewhere\x00"
    slack.command(f"note <@{BOB}> {secret}", user_id=ALICE)
    assert "I am interviewing elsewhere" not in "\n".join(caplog.handler.format(r) for r in caplog.records)
