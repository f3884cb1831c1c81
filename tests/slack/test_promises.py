"""README promises that no other test pinned: each test names its promise, and fails when it breaks.

tests/PROMISES.md maps every promise of the README to the tests that pin it, and says which planted bug
each test here was checked against. Alice (New York) leads a weekly 1:1 with Bob (Berlin) unless a test
says otherwise; Carol (Tokyo) and Dave (New York) are the other pair, or outsiders.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import MeetingStatus
from bot.domain.questions import BANK
from bot.slack import ids
from bot.slack.subcommands import SUBCOMMANDS
from bot.slack.text import escape
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, Note, PendingTopic, Person, Topic
from emulator.forms import ModalForm, NotSubmittable
from emulator.requests import SlackSender
from emulator.web_api import BOT_USER_ID, SlackEmulator
from tests.conftest import START, FakeClock
from tests.read_back import changed
from tests.slack.helpers import (
    NEW_TOPIC,
    answer_in_thread,
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    pair_id,
    reply_text,
    schedule_both_pairs,
    snapshot,
    submit_form,
    text_of,
    tick,
    wait_for_post,
    written_in_dm,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, ZONES, add_people

PROMPT = "add your topics"  # in every pre-meeting prompt's text
FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 1 Dec 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
ERIN = "UERIN001"  # in the workspace, in nobody's 1:1
GENERAL = "C0GENERAL"  # a public channel


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)
    emulator.add_user(ERIN, name="erin", tz="Europe/London")


def alice_leads_bob(slack: SlackSender, extra: str = "") -> None:
    """Alice sets up a weekly 1:1 with Bob, Tuesdays at 10:00 New York; the first is today (START)."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00{extra}", user_id=ALICE))


def typed(length: int) -> str:
    """Exactly `length` typed characters, a third of them `&`, `<` or `>` (which Slack sends as 4 or 5)."""
    return ("R&D<b>" * (length // 6 + 1))[:length]


def click(
    slack: SlackSender,
    emulator: SlackEmulator,
    user_id: str,
    button: dict[str, Any],
    message: dict[str, Any] | None = None,
    channel: str | None = None,
) -> list[dict[str, Any]]:
    """A click as Slack sends it for `message`; returns what the app posted to its response_url."""
    url = emulator.new_response_url()
    response = slack.action(
        user_id,
        [button],
        channel_id=channel or emulator.open_dm(user_id),
        message=message or {"ts": "1.000001"},
        response_url=url,
    )
    assert response.status_code == 200, response.text
    return [post.payload for post in emulator.response_posts(url)]


def latest_prompt(emulator: SlackEmulator, user_id: str) -> str:
    return text_of(bot_messages(emulator, user_id, PROMPT)[-1])


def in_order(text: str, fragments: list[str]) -> list[str]:
    """`fragments` in the order they appear in `text` (each must appear)."""
    for fragment in fragments:
        assert fragment in text, (fragment, text)
    return sorted(fragments, key=text.index)


def stored(sessions: SessionFactory, model: Any) -> list[str]:
    """The texts of every row of `model` (Topic, Note, ActionItem), oldest first."""
    with sessions() as session:
        return list(session.scalars(select(model.text).order_by(model.id)))


def stored_ids(sessions: SessionFactory, model: Any) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(model.id).order_by(model.id)))


# ------------------------------------------------------------------------------------------------------
# "What you type is what is kept ... shows it back escaped exactly once": action items too.

RND_TYPED = "R&D <b> budget"
RND_SHOWN = "R&amp;D &lt;b&gt; budget"  # what Slack shows as "R&D <b> budget"


def assert_escaped_once(text: str, where: str) -> None:
    assert RND_SHOWN in text, (where, text)
    for wrong in ("R&D", "<b>", "&amp;amp;", "&amp;lt;", "&amp;gt;"):
        assert wrong not in text, (where, wrong, text)


def test_an_action_item_is_shown_escaped_exactly_once_in_the_agenda_and_the_prompt_to_both(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "What you type is what is kept": an action item typed "R&D <b> budget" reads `R&amp;D &lt;b&gt;
    budget` (escaped once: Slack shows what was typed) in `/1on1 agenda`, `/1on1 actions` and the
    pre-meeting prompt, for both people."""
    alice_leads_bob(slack)
    reply_text(slack.command(f"add-action {RND_TYPED} for <@{BOB}>", user_id=ALICE))
    assert stored(sessions, ActionItem) == [RND_TYPED]
    tick(sessions, settings, clock())  # the first 1:1 is today: both are asked for topics at once
    for who in (ALICE, BOB):
        assert_escaped_once(reply_text(slack.command("agenda", user_id=who)), f"{who}'s agenda")
        assert_escaped_once(reply_text(slack.command("actions", user_id=who)), f"{who}'s actions")
        assert_escaped_once(text_of(wait_for_post(emulator, who, PROMPT)), f"{who}'s prompt")


# ------------------------------------------------------------------------------------------------------
# "Direct messages ... if you have several, it asks which, with buttons" and "every button ... checks that
# the clicker is one of the pair, whatever id the payload carries".


@pytest.fixture
def alice_is_asked_which(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> dict[str, Any]:
    """Alice meets Bob and Dave; Carol meets Dave too. Alice DMs a topic and is asked which 1:1 it is for:
    the question, its buttons by the other person, the pair ids, and the DM."""
    schedule_both_pairs(slack)  # Alice-Bob, Carol-Dave
    reply_text(slack.command(f"schedule <@{DAVE}> monthly fri 15:00", user_id=ALICE))
    dm, ts = written_in_dm(emulator, ALICE, "Whether to tell the team")
    assert slack.dm(ALICE, "Whether to tell the team", channel=dm, ts=ts).status_code == 200
    question = answer_in_thread(emulator, ts)
    assert "Which 1:1 is this topic for?" in text_of(question)
    by_person = {
        other: next(
            b["accessory"] for b in question["blocks"] if f"<@{other}>" in b.get("text", {}).get("text", "")
        )
        for other in (BOB, DAVE)
    }
    with sessions() as session:
        pairs = {
            "ab": pair_id(session, ALICE, BOB),
            "ad": pair_id(session, ALICE, DAVE),
            "cd": pair_id(session, CAROL, DAVE),
        }
        pending = session.scalars(select(PendingTopic.id)).one()
    assert by_person[BOB]["value"] == f"{pending}:{pairs['ab']}"
    message = next(m for m in emulator.messages(dm) if m.get("thread_ts") == ts and m.get("bot_id"))
    return {"buttons": by_person, "pairs": pairs, "pending": pending, "dm": dm, "message": message}


def assert_refused(posts: list[dict[str, Any]], words: str) -> None:
    assert len(posts) == 1, posts
    assert posts[0]["text"].startswith(":warning:") and words in posts[0]["text"], posts
    assert posts[0]["response_type"] == "ephemeral" and posts[0]["replace_original"] is False, posts


def alice_places_it_on_her_1on1_with_bob(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, asked: dict[str, Any]
) -> None:
    """Her own click on her own button still works: the refusals above used nothing up."""
    button = asked["buttons"][BOB]
    posts = click(slack, emulator, ALICE, button, asked["message"], asked["dm"])
    assert "Added to your 1:1 with" in posts[-1]["text"]
    with sessions() as session:
        topic = session.scalars(select(Topic).where(Topic.text == "Whether to tell the team")).one()
        assert topic.pair_id == asked["pairs"]["ab"]
        assert session.scalars(select(PendingTopic)).all() == []


def test_a_which_1on1_button_crafted_to_name_another_pair_is_refused_and_changes_nothing(
    alice_is_asked_which: dict[str, Any],
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
) -> None:
    """README "every button ... checks that the clicker is one of the pair, whatever id the payload carries":
    Alice's "which 1:1 is this topic for?" button, crafted to carry Carol and Dave's pair, is refused; her
    topic stays hers and pending, and nothing lands on their agenda."""
    asked = alice_is_asked_which
    before = snapshot(sessions)
    posted = len(emulator.calls("chat.postMessage"))
    crafted = {**asked["buttons"][BOB], "value": f"{asked['pending']}:{asked['pairs']['cd']}"}
    assert_refused(
        click(slack, emulator, ALICE, crafted, asked["message"], asked["dm"]), "isn't one of yours"
    )
    assert changed(before, snapshot(sessions)) == set()
    assert len(emulator.calls("chat.postMessage")) == posted  # Carol and Dave are told nothing
    alice_places_it_on_her_1on1_with_bob(slack, sessions, emulator, asked)


def test_someone_else_clicking_a_which_1on1_button_is_refused_and_changes_nothing(
    alice_is_asked_which: dict[str, Any],
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
) -> None:
    """README "every button ... checks that the clicker is one of the pair": only the topic's author may place
    it. Bob, whose 1:1 the button names, and Carol, naming her own 1:1 with Dave, send Alice's button (a
    crafted client's click: Slack shows it to Alice only) and are refused; nothing changes."""
    asked = alice_is_asked_which
    before = snapshot(sessions)
    pending, pairs = asked["pending"], asked["pairs"]
    for clicker, value in ((BOB, f"{pending}:{pairs['ab']}"), (CAROL, f"{pending}:{pairs['cd']}")):
        button = {**asked["buttons"][BOB], "value": value}
        assert_refused(click(slack, emulator, clicker, button), "isn't yours")
        assert changed(before, snapshot(sessions)) == set(), clicker
    alice_places_it_on_her_1on1_with_bob(slack, sessions, emulator, asked)


def test_every_button_id_is_among_those_an_outsider_clicks_in_the_fuzz_tests() -> None:
    """README "every button and form checks that the clicker is one of the pair": test_fuzz's outsider clicks
    (and test_privacy's) cover every button id there is, so a new button without a check fails there."""
    from tests.slack.test_fuzz import ACTION_IDS

    made = {value.action_id for value in vars(ids).values() if isinstance(value, ids.Button)}
    made |= {button.action_id for button in ids.PULSE_TAPS}  # a row of buttons, one id per score
    assert made == set(ACTION_IDS)


# ------------------------------------------------------------------------------------------------------
# "Before each meeting ... the agenda so far (the report's topics first)": for both readers.


@pytest.mark.parametrize("alice_is", ["manager", "report"])
def test_the_reports_topics_come_first_in_both_peoples_prompt_and_agenda(
    alice_is: str,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "Before each meeting": the agenda lists the report's topics first, in the manager's prompt and
    `/1on1 agenda` as in the report's own (whoever set the series up, and whoever added first)."""
    alice_leads_bob(slack, " as report" if alice_is == "report" else "")
    report, manager = (ALICE, BOB) if alice_is == "report" else (BOB, ALICE)
    for author, text in (
        (manager, "Topic M1"),
        (report, "Topic R1"),
        (manager, "Topic M2"),
        (report, "Topic R2"),
    ):
        reply_text(slack.command(f"add-topic {text}", user_id=author))
    tick(sessions, settings, clock())
    expected = ["Topic R1", "Topic R2", "Topic M1", "Topic M2"]
    for who in (ALICE, BOB):
        assert in_order(text_of(wait_for_post(emulator, who, PROMPT)), expected) == expected, who
        assert in_order(reply_text(slack.command("agenda", user_id=who)), expected) == expected, who


# ------------------------------------------------------------------------------------------------------
# "Topics are limited to 500 characters, notes to 3,000, counted as you typed them": at the boundary, on
# every way in (`/1on1 add-topic` itself:
# test_add_topic_http::test_the_topic_limit_counts_what_the_person_typed).


def test_a_topic_of_500_typed_characters_is_taken_and_501_refused_by_dm_and_by_the_add_topic_form(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "Topics are limited to 500 characters ... counted as you typed them": 500 typed characters
    (Slack sends each `&`, `<`, `>` as an entity) are taken as typed, 501 are refused with the limit and
    store nothing, in a DM and in the prompt's add-topic form."""
    alice_leads_bob(slack)
    for length in (501, 500):
        dm, ts = written_in_dm(emulator, BOB, typed(length))
        assert slack.dm(BOB, typed(length), channel=dm, ts=ts).status_code == 200
        answer = text_of(answer_in_thread(emulator, ts))
        assert ("the limit is 500" in answer) is (length == 501), answer
    assert stored(sessions, Topic) == [typed(500)]

    tick(sessions, settings, clock())
    prompt = wait_for_post(emulator, BOB, PROMPT)
    add = buttons(prompt)["agenda_add_topic"]
    message = bot_messages(emulator, BOB, PROMPT)[-1]
    form = opened_form(emulator, lambda: click(slack, emulator, BOB, add, message))
    too_long = ModalForm(form.view).fill(NEW_TOPIC, typed(501))
    with pytest.raises(NotSubmittable, match="max_length 500"):  # Slack's client won't send it...
        submit_form(slack, BOB, too_long)
    forged = slack.submit(BOB, too_long.view, too_long.state_values(unchecked=True))  # ...nor the app take it
    assert "the limit is 500" in forged.json()["errors"]["topic"]
    assert stored(sessions, Topic) == [typed(500)]
    taken = submit_form(slack, BOB, ModalForm(form.view).fill(NEW_TOPIC, typed(500)))
    assert taken.status_code == 200 and not taken.content
    assert stored(sessions, Topic) == [typed(500)] * 2


def open_summary_form(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks "Write the summary" in their latest "How did your 1:1 go?"."""
    follow_up = bot_messages(emulator, user_id, "How did your 1:1")[-1]
    button = buttons(follow_up)["summary_open"]
    return opened_form(emulator, lambda: click(slack, emulator, user_id, button, follow_up))


def test_a_note_of_3000_typed_characters_is_kept_and_3001_refused_by_command_and_in_the_summary_form(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """README "notes [are limited] to 3,000, counted as you typed them": `/1on1 note` takes 3,000 typed
    characters and refuses 3,001 with the limit; the summary form's private note takes 3,000 (its 3,001:
    test_after_meeting::test_a_summary_for_someone_elses_meeting_or_a_bad_owner_is_refused)."""
    alice_leads_bob(slack)
    refused = reply_text(slack.command(f"note {typed(3001)}", user_id=ALICE))
    assert "the limit is 3,000" in refused
    assert "Only you can ever see it" in reply_text(slack.command(f"note {typed(3000)}", user_id=ALICE))
    assert stored(sessions, Note) == [typed(3000)]
    tick(sessions, settings, FIRST_END)
    form = fill_summary(open_summary_form(slack, emulator, BOB), "Fine", note=typed(3000))
    assert submit_form(slack, BOB, form).status_code == 200
    assert stored(sessions, Note) == [typed(3000)] * 2


def test_an_action_item_of_500_typed_characters_is_taken_and_501_refused_by_command_and_summary_form(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """The code limits an action item like a topic (500 typed characters) and the summary's key points to
    3,000: `/1on1 add-action` and the summary form take exactly the limit and refuse one more, with the
    limit named (Slack's client won't send an over-long field; a forged one is refused by the app)."""
    alice_leads_bob(slack)
    assert "the limit is 500" in reply_text(slack.command(f"add-action {typed(501)}", user_id=ALICE))
    assert "Action item" in reply_text(slack.command(f"add-action {typed(500)}", user_id=ALICE))
    assert stored(sessions, ActionItem) == [typed(500)]

    tick(sessions, settings, FIRST_END)
    opened = open_summary_form(slack, emulator, BOB).view
    for key_points, item, field, words in (
        ("Fine", typed(501), "action_1_text", "the limit is 500"),
        (typed(3001), "Ship it", "key_points", "3,000 characters"),
    ):
        form = fill_summary(ModalForm(opened), key_points, [(item, BOB, None)])
        with pytest.raises(NotSubmittable, match="max_length"):
            submit_form(slack, BOB, form)
        forged = slack.submit(BOB, form.view, form.state_values(unchecked=True)).json()
        assert words in forged["errors"][field], forged
    assert stored(sessions, ActionItem) == [typed(500)]
    form = fill_summary(ModalForm(opened), typed(3000), [(typed(500), BOB, None)])
    assert submit_form(slack, BOB, form).status_code == 200
    assert stored(sessions, ActionItem) == [typed(500)] * 2
    with sessions() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        assert meeting is not None and meeting.status is MeetingStatus.HELD


# ------------------------------------------------------------------------------------------------------
# "A topic, note or action item needs a 1:1 with that person."


def test_a_note_or_action_item_naming_someone_you_dont_meet_with_is_refused_and_tells_nobody(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    """README "A topic, note or action item needs a 1:1 with that person": a note or action item naming
    someone you don't meet with (known to the bot or not) is refused with a hint to `/1on1 schedule` them;
    an action item for an owner outside the 1:1 is refused too. Nothing is stored, and nobody is told."""
    schedule_both_pairs(slack)  # Alice-Bob and Carol-Dave; Erin is in no 1:1
    before = snapshot(sessions)
    calls = len(emulator.calls())
    for other in (CAROL, ERIN):
        for command in (f"note <@{other}> About them", f"add-action <@{other}> Send them the plan"):
            text = reply_text(slack.command(command, user_id=ALICE))
            assert f"You don't have a 1:1 with <@{other}>" in text and "/1on1 schedule" in text, text
            assert changed(before, snapshot(sessions)) == set(), command
    text = reply_text(slack.command(f"add-action <@{BOB}> Send the plan for <@{CAROL}>", user_id=ALICE))
    assert ":warning:" in text and "one of the two people of the 1:1" in text
    assert changed(before, snapshot(sessions)) == set()
    assert emulator.calls()[calls:] == []  # no DM, no look-up: Carol and Erin hear of nothing
    with sessions() as session:
        assert ERIN not in session.scalars(select(Person.slack_user_id)).all()


# ------------------------------------------------------------------------------------------------------
# "Every reply is visible only to you."


def test_every_subcommands_reply_is_visible_only_to_the_person_who_typed_it(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    """README "Every reply is visible only to you": typed in a public channel, every subcommand (the first
    one through "one moment" and its replacement) is answered ephemerally, and nothing is posted there."""
    emulator.add_channel(GENERAL, members=[ALICE, BOB, CAROL, DAVE, ERIN, BOT_USER_ID], name="general")
    commands = [
        "",
        "help",
        f"schedule <@{BOB}> weekly tue 10:00",  # nobody's zone is known yet: "one moment", then the answer
        "whoami",
        "add-topic Budget",
        "agenda",
        "list",
        "add-action Book a room",
        "actions",
        "done {action}",
        "note Only mine",
        "skip",
        "reschedule thu 14:30",
        f"cancel <@{BOB}>",
        "settings",  # a form, private by nature: opened for Alice alone, nothing said in the channel
        "calendar",  # feeds are off here (no PUBLIC_URL): says so, to Alice alone
        "away 2026-12-07",
        "back",
        "history",
        "export",
        "delete-my-data",
        f"handoff <@{BOB}> to <@{CAROL}>",
    ]
    assert {c.split()[0] for c in commands if c} == {row.name for row in SUBCOMMANDS}  # every one of them
    for command in commands:
        if "{action}" in command:
            command = command.format(action=stored_ids(sessions, ActionItem)[0])
        url = emulator.new_response_url()
        response = slack.command(command, user_id=ALICE, channel_id=GENERAL, response_url=url)
        if command in ("settings", "delete-my-data"):  # forms, opened for Alice alone
            opened = emulator.calls("views.open")[-1]
            assert response.content == b"" and emulator.response_posts(url) == []
            assert opened.ok and emulator.trigger(opened.args["trigger_id"]).user_id == ALICE
            continue
        body = response.json()
        answers = [body, *(post.payload for post in emulator.response_posts(url))]
        assert all(a.get("response_type") == "ephemeral" for a in answers), (command, answers)
        assert ":warning:" not in text_of(body), (command, body)  # each did its work
    assert emulator.messages(GENERAL) == []
    assert not [c for c in emulator.calls() if c.args.get("channel") == GENERAL]


# ------------------------------------------------------------------------------------------------------
# `/1on1 schedule`'s options, end to end.


def test_schedule_takes_its_length_first_date_cadence_and_lead_time(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """README `/1on1 schedule`: "30 minutes unless you say e.g. `45m`; first meeting on or after `from`
    ...; both are asked for topics `lead` hours before": a biweekly Thursday 14:00 series of 45 minutes from
    10 December with a 48-hour lead has exactly those meetings, and its prompts come 48 hours ahead."""
    text = reply_text(
        slack.command(f"schedule <@{BOB}> biweekly thu 14:00 45m from 2026-12-10 lead 48h", user_id=ALICE)
    )
    assert "45 minutes" in text and "48 hours before each meeting" in text
    with sessions() as session:
        rows = list(session.scalars(select(Meeting).order_by(Meeting.starts_at)))
    new_york = ZoneInfo(ZONES[ALICE])
    starts = [m.starts_at.astimezone(new_york) for m in rows]
    assert [s.strftime("%a %Y-%m-%d %H:%M") for s in starts[:3]] == [
        "Thu 2026-12-10 14:00",
        "Thu 2026-12-24 14:00",
        "Thu 2027-01-07 14:00",
    ]
    assert {m.ends_at - m.starts_at for m in rows} == {timedelta(minutes=45)}
    first = rows[0].starts_at
    tick(sessions, settings, first - timedelta(hours=48, minutes=1))
    assert not bot_messages(emulator, BOB, PROMPT)
    tick(sessions, settings, first - timedelta(hours=48))
    assert bot_messages(emulator, BOB, PROMPT) and bot_messages(emulator, ALICE, PROMPT)


# ------------------------------------------------------------------------------------------------------
# `/1on1 list`: "how the last eight went", and `/1on1 actions`: "each with its number and a Done button".


def test_list_counts_only_the_last_eight_meetings(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, clock: FakeClock
) -> None:
    """README `/1on1 list`: "how the last eight went (held, skipped, missed)": after ten skipped meetings it
    counts eight."""
    alice_leads_bob(slack)
    for week in range(10):
        clock.set(START + timedelta(weeks=week))  # the morning of that week's 1:1
        tick(sessions, settings, clock())
        assert "Skipped your 1:1" in reply_text(slack.command("skip", user_id=ALICE))
    clock.set(START + timedelta(weeks=10))
    listed = reply_text(slack.command("list", user_id=BOB))
    assert "last 8: 0 held, 8 skipped, 0 missed" in listed, listed


def test_actions_lists_each_open_item_with_its_number_and_a_done_button_that_closes_it(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    """README `/1on1 actions`: "open action items, each with its number and a *Done* button": each row has
    its number and a Done button, and clicking it closes that item only."""
    alice_leads_bob(slack)
    for text in ("Book a room", "Read the RFC"):
        reply_text(slack.command(f"add-action {text}", user_id=ALICE))
    first, second = stored_ids(sessions, ActionItem)
    listed = slack.command("actions", user_id=BOB).json()
    rows = {b["text"]["text"]: b.get("accessory") for b in listed["blocks"] if "#" in b["text"]["text"]}
    assert set(rows) == {
        f"*#{first}* Book a room — <@{ALICE}>",
        f"*#{second}* Read the RFC — <@{ALICE}>",
    }
    done = rows[f"*#{first}* Book a room — <@{ALICE}>"]
    assert done is not None and done["action_id"] == "action_done" and done["text"]["text"] == "Done"
    click(slack, emulator, BOB, done)
    with sessions() as session:
        closed = {a.text: a.done_at is not None for a in session.scalars(select(ActionItem))}
    assert closed == {"Book a room": True, "Read the RFC": False}
    assert "Book a room" not in reply_text(slack.command("actions", user_id=BOB))


# ------------------------------------------------------------------------------------------------------
# "Before each meeting ... one question from a bank of 84 open-ended questions that the pair has not seen
# yet" (the bank's size: tests/domain/test_promises.py).


def question_shown(prompt: str) -> str:
    line = next(line for line in prompt.splitlines() if "Something to think about" in line)
    return line.split("*Something to think about:* _", 1)[1].removesuffix("_")


def test_each_prompt_shows_both_people_one_question_of_the_bank_the_pair_has_not_seen(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "Before each meeting": each prompt shows one question from the bank, the same to both people,
    and never one this pair was shown before (six weeks of prompts, as they read them)."""
    alice_leads_bob(slack)
    bank = {escape(question.text) for question in BANK}
    shown = []
    for week in range(6):
        tick(sessions, settings, clock() + timedelta(weeks=week))
        to_bob, to_alice = (question_shown(latest_prompt(emulator, who)) for who in (BOB, ALICE))
        assert to_bob == to_alice and to_bob in bank, (to_bob, to_alice)
        shown.append(to_bob)
    assert len(bot_messages(emulator, BOB, PROMPT)) == 6
    assert len(set(shown)) == 6, shown


def miss_and_rebook(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
    ended: datetime,
) -> datetime:
    """The 1:1 that ended at `ended` didn't happen (Bob says so) and Alice books the first slot offered:
    its new start, once the tick before it has asked both for topics again."""
    tick(sessions, settings, ended)
    clock.set(ended + timedelta(minutes=5))
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    click(slack, emulator, BOB, buttons(follow_up)["meeting_not_held"], follow_up)
    nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
    slot = buttons(nudge)["slot_choose"]
    assert "Booked" in click(slack, emulator, ALICE, slot, nudge)[-1]["text"]
    new_start = datetime.fromtimestamp(int(slot["value"].split(":")[1]), UTC)
    tick(sessions, settings, new_start - timedelta(hours=1))
    return new_start


def test_questions_a_rebooked_meetings_prompts_showed_are_not_shown_again_before_the_bank_is_used_up(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "one question ... that the pair has not seen yet" and "Picking a slot ... asks for topics
    again": the first 1:1 is missed and rebooked twice, so the pair is asked three times, each with a new
    question; in the weekly prompts after it no question comes round again before all 84 were shown."""
    alice_leads_bob(slack)
    tick(sessions, settings, clock())
    shown = [question_shown(latest_prompt(emulator, BOB))]
    ended = FIRST_END
    for _ in range(2):
        ended = miss_and_rebook(slack, sessions, settings, emulator, clock, ended) + timedelta(minutes=30)
        shown.append(question_shown(latest_prompt(emulator, BOB)))
    assert len(set(shown)) == len(bot_messages(emulator, BOB, PROMPT)) == 3
    for week in range(1, len(BANK) - 1):  # the weekly 1:1s that follow: a round and one more
        tick(sessions, settings, START + timedelta(weeks=week))
        question = question_shown(latest_prompt(emulator, BOB))
        if question in shown:
            assert len(set(shown)) == len(BANK), (week, question, shown.index(question))
        shown.append(question)
    assert len(set(shown)) == len(BANK)


# ------------------------------------------------------------------------------------------------------
# "Dates are shown in each reader's own time zone."


def reads(instant: datetime, user_id: str) -> str:
    """How a date reads in a message to `user_id`: Slack's token, with the fallback in their zone."""
    local = instant.astimezone(ZoneInfo(ZONES[user_id]))
    return (
        f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{local:%a %d %b %Y %H:%M %Z}>"
    )


def test_dates_read_in_each_readers_own_time_zone(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "Dates are shown in each reader's own time zone": Slack's date token (which each reader's
    client shows in their zone) with a fallback in the reader's zone, in the agenda, a skip notice, the
    reschedule nudge and its slots, and the rebooking notice (and the token in a DM'd topic's confirmation):
    Alice reads New York time, Bob Berlin time, for the same instants."""
    alice_leads_bob(slack)
    second_start = FIRST_START + timedelta(weeks=1)
    for who in (ALICE, BOB):
        assert reads(FIRST_START, who) in reply_text(slack.command("agenda", user_id=who)), who
    # A DM'd topic's confirmation is a reply in a channel, not to a person: Slack's token shows Bob his own
    # zone; its fallback (shown only where a client fails to render the token) is UTC, as
    # tests/services/test_messages.py has it.
    dm, ts = written_in_dm(emulator, BOB, "Offsite")
    assert slack.dm(BOB, "Offsite", channel=dm, ts=ts).status_code == 200
    assert reads(FIRST_START, BOB).split("|")[0] in text_of(answer_in_thread(emulator, ts))

    reply_text(slack.command("skip", user_id=ALICE))
    skipped = text_of(wait_for_post(emulator, BOB, "skipped your 1:1"))
    assert reads(FIRST_START, BOB) in skipped and reads(second_start, BOB) in skipped

    # The second 1:1 didn't happen: both are offered new times, each in their own zone.
    tick(sessions, settings, second_start + timedelta(minutes=30))
    clock.set(second_start + timedelta(minutes=35))
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    click(slack, emulator, BOB, buttons(follow_up)["meeting_not_held"], follow_up)
    for who in (ALICE, BOB):
        nudge = bot_messages(emulator, who, "didn't happen")[-1]
        assert reads(second_start, who) in text_of(nudge), who
        slots = [b for b in nudge["blocks"] if (b.get("accessory") or {}).get("action_id") == "slot_choose"]
        assert slots, nudge
        for block in slots:
            epoch = int(block["accessory"]["value"].split(":")[1])
            assert block["text"]["text"].startswith(reads(datetime.fromtimestamp(epoch, UTC), who)), who
    nudge = bot_messages(emulator, ALICE, "didn't happen")[-1]
    slot = buttons(nudge)["slot_choose"]
    click(slack, emulator, ALICE, slot, nudge)
    new_start = datetime.fromtimestamp(int(slot["value"].split(":")[1]), UTC)
    for who in (ALICE, BOB):
        assert reads(new_start, who) in text_of(wait_for_post(emulator, who, "booked your missed 1:1")), who


# ------------------------------------------------------------------------------------------------------
# "A missed meeting ... when those never overlap, the closest slots, saying whose evening or early
# morning it is".


def test_slots_outside_someones_hours_name_that_person_with_their_local_time_and_part_of_day(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    """README "A missed meeting": New York's and Tokyo's working hours never overlap, so each offered slot
    says whose evening or early morning it is: that person, their own local time, and which it is."""
    reply_text(slack.command(f"schedule <@{CAROL}> weekly tue 10:00", user_id=ALICE))
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END + timedelta(minutes=5))
    follow_up = bot_messages(emulator, CAROL, "How did your 1:1")[-1]
    click(slack, emulator, CAROL, buttons(follow_up)["meeting_not_held"], follow_up)
    for reader in (ALICE, CAROL):
        nudge = bot_messages(emulator, reader, "didn't happen")[-1]
        slots = [b for b in nudge["blocks"] if (b.get("accessory") or {}).get("action_id") == "slot_choose"]
        assert slots, nudge
        for block in slots:
            start = datetime.fromtimestamp(int(block["accessory"]["value"].split(":")[1]), UTC)
            text = block["text"]["text"]
            named = 0
            for who in (ALICE, CAROL):
                local = start.astimezone(ZoneInfo(ZONES[who]))
                if 9 <= local.hour < 17:
                    assert f"<@{who}>" not in text, (who, text)
                    continue
                part = "evening" if local.hour >= 17 else "early morning"
                assert f"<@{who}>: {local:%H:%M}, {part}" in text, (who, local, text)
                named += 1
            assert named >= 1, text  # they never overlap: someone is always outside their hours


# ------------------------------------------------------------------------------------------------------
# "After each meeting ... The summary form takes ... up to five action items (owner and optional due date)".


def test_the_summary_form_takes_five_action_items_each_with_its_owner_and_optional_due_date(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    """README "After each meeting": the summary form takes up to five action items, each with an owner and
    an optional due date; all five are kept and posted, each with a Done button."""
    alice_leads_bob(slack)
    tick(sessions, settings, FIRST_END)
    items = [
        (f"Item {n}", ALICE if n % 2 else BOB, f"2026-12-{10 + n}" if n % 2 else None) for n in range(1, 6)
    ]
    form = open_summary_form(slack, emulator, BOB)
    assert [label for label in form.labels if label.startswith("Action item")] == [
        f"Action item {n}" for n in range(1, 6)
    ]
    assert submit_form(slack, BOB, fill_summary(form, "Five things", items)).status_code == 200
    with sessions() as session:
        people = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        kept = [
            (a.text, people[a.owner_id], a.due_date.isoformat() if a.due_date else None)
            for a in session.scalars(select(ActionItem).order_by(ActionItem.id))
        ]
    assert kept == items
    posted = next(c.args for c in emulator.calls("chat.postMessage") if "Five things" in json.dumps(c.args))
    done = [b for b in posted["blocks"] if (b.get("accessory") or {}).get("action_id") == "action_done"]
    assert [b["text"]["text"].split(" — ")[0] for b in done] == [
        f":white_square: Item {n}" for n in range(1, 6)
    ]
    assert date(2026, 12, 11).strftime("%a %d %b") in done[0]["text"]["text"]
