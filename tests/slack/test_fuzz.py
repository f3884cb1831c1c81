"""Property tests through the real HTTP app: arbitrary commands, DMs, modal submissions and clicks.

Whatever arrives, Slack gets a 200 and a well-formed answer; user text comes back escaped; a refusal
stores nothing; a crafted id reaches nobody's 1:1. Fixtures are function-scoped, so one world is
built per test and every example compares the whole database before and after itself.

Inputs that once broke the bot (digits `str.isdigit` accepts and `int` refuses, NUL characters, ids
beyond a 32-bit integer) are generated like any other, and have regression tests at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.config import Settings
from bot.slack.subcommands import SUBCOMMANDS
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, PendingTopic, Series, Topic
from emulator.forms import ModalForm
from emulator.requests import SlackSender, meant_text
from emulator.web_api import SlackEmulator
from tests.conftest import FakeClock
from tests.read_back import changed
from tests.reliability_report import record
from tests.slack.helpers import (
    COVERED_TOPICS,
    NEW_TOPIC,
    opened_form,
    pair_id,
    reply_text,
    schedule_both_pairs,
    snapshot,
    text_of,
    tick,
    written_in_dm,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, ZONES, add_people

TOPIC_LIMIT = 500  # characters, after trimming (the add-topic input's max_length too)
TEXT_LIMIT = 3000  # the key points' and the note's max_length
ERIN = "UERIN001"  # in the workspace, in no 1:1: an outsider to everything
INT32_MAX = 2**31 - 1

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FEWER = settings(FUZZ, max_examples=60)

ACTION_IDS = (
    "agenda_add_topic",
    "pending_topic_choose",
    "series_cancel_confirm",
    "series_cancel_keep",
    "summary_open",
    "meeting_not_held",
    "action_done",
    "slot_choose",
    "slot_skip",
)


# ----------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class World:
    ab_meetings: tuple[int, ...]  # Alice and Bob's
    cd_meetings: tuple[int, ...]  # Carol and Dave's
    ab_topics: tuple[int, ...]
    cd_topics: tuple[int, ...]
    ab_actions: tuple[int, ...]
    ab_series: int
    ab_pair: int
    cd_pair: int
    carols_pending: int  # a DM'd topic of Carol's, waiting for her to pick one of her two 1:1s

    def ids(self) -> list[int]:
        return [
            *self.ab_meetings[:3],
            *self.cd_meetings[:2],
            *self.ab_topics,
            *self.cd_topics,
            *self.ab_actions,
            self.ab_series,
            self.carols_pending,
            self.ab_pair,
            self.cd_pair,
        ]


@pytest.fixture
def world(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> World:
    """Alice-Bob and Carol-Dave meet weekly, with topics, an action item and a note; Carol also shares
    an agenda with Bob (two 1:1s) and has a DM'd topic waiting; Erin has no 1:1. Time zones are cached."""
    add_people(emulator)
    emulator.add_user(ERIN, name=ERIN.lower(), tz="Europe/London")
    schedule_both_pairs(slack)
    reply_text(slack.command(f"add-topic <@{BOB}> Roadmap & <b>priorities</b>", user_id=ALICE))
    reply_text(slack.command(f"add-topic <@{DAVE}> Conference talk", user_id=CAROL))
    reply_text(slack.command(f"schedule <@{BOB}> monthly fri 15:00", user_id=CAROL))
    reply_text(slack.command(f"add-topic <@{BOB}> Pairing next sprint", user_id=CAROL))
    reply_text(slack.command(f"add-action <@{BOB}> Share the plan for <@{BOB}>", user_id=ALICE))
    reply_text(slack.command(f"note <@{BOB}> Keep an eye on workload", user_id=ALICE))
    tick(sessions, settings, clock())
    carol_dm, ts = written_in_dm(emulator, CAROL, "Ask about the offsite")
    assert slack.dm(CAROL, "Ask about the offsite", channel=carol_dm, ts=ts).status_code == 200
    for user_id in (*ZONES, ERIN):
        reply_text(slack.command("list", user_id=user_id))
    with sessions() as session:
        ab, cd = pair_id(session, ALICE, BOB), pair_id(session, CAROL, DAVE)

        def of(model: Any, pair_id: int) -> tuple[int, ...]:
            return tuple(session.scalars(select(model.id).where(model.pair_id == pair_id).order_by(model.id)))

        return World(
            ab_meetings=of(Meeting, ab),
            cd_meetings=of(Meeting, cd),
            ab_topics=of(Topic, ab),
            cd_topics=of(Topic, cd),
            ab_actions=of(ActionItem, ab),
            ab_series=session.scalars(select(Series.id).where(Series.pair_id == ab)).one(),
            carols_pending=session.scalars(select(PendingTopic.id)).one(),
            ab_pair=ab,
            cd_pair=cd,
        )


def added_rows(
    before: dict[str, list[tuple[str, ...]]], after: dict[str, list[tuple[str, ...]]], table: str
) -> int:
    """How many rows `table` gained, asserting that none of its old rows changed or went away."""
    assert set(before[table]) <= set(after[table]), table
    return len(after[table]) - len(before[table])


# ----------------------------------------------------------------------------- what a safe reply is

# Angle-bracket sequences the bot itself writes: mentions, dates, and the placeholders of its usage lines.
_PLACEHOLDERS = {*re.findall(r"<[^<>]*>", " ".join(row.usage for row in SUBCOMMANDS)), "<day>"}
_BOT_SEQUENCES = re.compile(
    r"<@[UW][A-Z0-9]+>|<#C[A-Z0-9]+>|<!date\^\d+\^[^<>|]*\|[^<>]*>|"
    + "|".join(re.escape(p) for p in sorted(_PLACEHOLDERS, key=len, reverse=True))
)
_BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def texts_in(payload: Any) -> list[str]:
    """Every `text` string anywhere in a message, reply or view."""
    if isinstance(payload, dict):
        return [
            t
            for key, value in payload.items()
            for t in ([value] if key == "text" and isinstance(value, str) else texts_in(value))
        ]
    if isinstance(payload, list):
        return [t for item in payload for t in texts_in(item)]
    return []


def assert_escaped(payload: Any) -> None:
    """No broadcast, link or entity from user text survives: every `<` and `&` is the bot's own."""
    for text in texts_in(payload):
        for broadcast in ("<!channel>", "<!here>", "<!everyone>"):
            assert broadcast not in text, text
        assert "<" not in _BOT_SEQUENCES.sub("", text), text
        assert not _BARE_AMPERSAND.search(text), text


def expected_topic(text: str) -> str | None:
    """A topic as stored: trimmed, and a one-line one with its runs of spaces collapsed; None if empty."""
    # Control characters other than newline and tab are dropped first (PostgreSQL refuses NUL).
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    return (text.strip() if "\n" in text else " ".join(text.split())) or None


def is_meeting_of(metadata: str, meetings: tuple[int, ...]) -> bool:
    # Ids are ASCII digits only: "١" (an Arabic-Indic one) is not meeting 1.
    return re.fullmatch("[0-9]{1,10}", metadata) is not None and int(metadata) in meetings


def is_refusal(body: dict[str, Any]) -> bool:
    return any(text.startswith(":warning:") for text in texts_in(body))


# ----------------------------------------------------------------------------- strategies

SPECIALS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|@team>",
    "<#C123|general>",
    "<https://evil.example|the docs>",
    "<mailto:x@y.z|mail>",
    "&",
    "&amp;",
    "&lt;",
    "<",
    ">",
    ">>>",
    "`",
    "```",
    "*bold*",
    "\n",
    "\t",
    "\r\n",
    "\u200b",
    "\x1f",
    "\x07",
    "\U0001f600",
    "<@UBOB0001|bob>",
    "<@UCAROL01>",
    "<@UBOB0001|<!channel>>",
    "<@bob>",
    "@bob",
    "<@U1|x",
    "<@>",
    # Words Slack's libraries read specially in a form body or an envelope (Bolt 1.30 took any body
    # containing "payload" for an interactivity payload and answered 404).
    "payload",
    "payload=",
    "&payload={}",
    "ssl_check=1",
    "type=url_verification",
    "challenge",
    "token=x",
    "%7B%22type%22%3A",
    "+",
    "=",
]
WORDS = [
    "help",
    "schedule",
    "add-topic",
    "agenda",
    "list",
    "actions",
    "add-action",
    "done",
    "note",
    "skip",
    "reschedule",
    "cancel",
    "SCHEDULE",
    "Add-Topic",
]
ARGUMENTS = [
    f"<@{BOB}>",
    f"<@{BOB}|bob>",
    f"<@{ALICE}>",
    f"<@{CAROL}>",
    f"<@{DAVE}|dave>",
    f"<@{ERIN}>",
    "<@UNOBODY1>",
    "<@W0000001|w>",
    "<@u123>",
    "@alice",
    "weekly",
    "biweekly",
    "monthly",
    "daily",
    "mon",
    "tue",
    "Wednesday",
    "fri",
    "sun",
    "funday",
    "tomorrow",
    "yesterday",
    "10:00",
    "9:05",
    "23:59",
    "24:00",
    "10:60",
    "1000",
    "10:0",
    "-1:00",
    "30m",
    "0m",
    "4m",
    "481m",
    "45min",
    "999m",
    "from",
    "2026-12-24",
    "2026-02-30",
    "2020-01-01",
    "2026-12-01",
    "26-12-24",
    "9999-12-31",
    "lead",
    "48h",
    "0h",
    "169h",
    "as",
    "report",
    "manager",
    "due",
    "for",
    "#1",
    "1",
    "0",
    "-1",
    "1:2",
    "99999999999999999999",
    "999999999999999999",
    "abc",
    "١٢",
    *SPECIALS,
]

any_text = st.text(max_size=300)  # every code point but surrogates: control characters included
special_soup = st.lists(st.sampled_from(SPECIALS) | st.text(max_size=8), max_size=10).map("".join)
grammar = st.builds(
    lambda head, args: " ".join([head, *args]),
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(ARGUMENTS) | st.text(max_size=10), max_size=8),
)
long_text = st.builds(
    lambda head, filler, times: head + filler * times,
    st.sampled_from(["add-topic ", f"add-topic <@{BOB}> ", "note ", "add-action ", "schedule ", ""]),
    st.text(min_size=1, max_size=5).map(lambda s: s + "x"),
    st.integers(min_value=80, max_value=900),
).map(lambda s: s[:5000])
command_text = st.one_of(any_text, special_soup, grammar, long_text)

dm_text = st.one_of(
    st.text(max_size=600),
    special_soup,
    st.builds(lambda s, n: (s or "x") * n, st.text(min_size=1, max_size=3), st.integers(1, 2000)).map(
        lambda s: s[:5000]
    ),
)


# ----------------------------------------------------------------------------- /1on1


@pytest.mark.reliability
@FUZZ
@given(user=st.sampled_from([ALICE, BOB, CAROL, ERIN]), text=command_text)
def test_any_command_text_gets_an_ephemeral_answer_and_a_refusal_stores_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, user: str, text: str
) -> None:
    record("fuzz cases: /1on1 texts", 1)
    before = snapshot(sessions)
    response = slack.command(text, user_id=user)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert isinstance(body["text"], str) and body["text"].strip()
    assert "Something went wrong" not in body["text"]  # an exception inside the app
    assert_escaped(body)
    event("refused" if is_refusal(body) else "done")
    if is_refusal(body):
        shown = "\n".join(texts_in(body))
        assert "Usage: `/1on1 " in shown or "`/1on1 help`" in shown  # says the right form
        assert changed(before, snapshot(sessions)) == set()


@FEWER
@given(text=st.one_of(special_soup, any_text))
def test_a_topic_typed_in_a_command_is_stored_as_meant_and_shown_escaped_once(
    world: World, slack: SlackSender, sessions: SessionFactory, text: str
) -> None:
    before = snapshot(sessions)
    response = slack.command(f"add-topic <@{BOB}> {text}", user_id=ALICE)
    assert response.status_code == 200, response.text  # any word, "payload" too
    body = response.json()
    assert_escaped(body)
    # Whitespace around the topic (line breaks too) only separates it from the mention and ends the command.
    cleaned = expected_topic(meant_text(text.strip()))
    if cleaned is None or len(cleaned) > TOPIC_LIMIT:
        assert is_refusal(body) and changed(before, snapshot(sessions)) == set()
        return
    assert not is_refusal(body), body
    with sessions() as session:
        newest = session.scalars(select(Topic).order_by(Topic.id.desc())).first()
        assert newest is not None and (newest.text, newest.pair_id) == (cleaned, world.ab_pair)


# ----------------------------------------------------------------------------- DMs


def dm_replies(emulator: SlackEmulator, ts: str) -> list[dict[str, Any]]:
    return [c.args for c in emulator.calls("chat.postMessage") if c.args.get("thread_ts") == ts]


@pytest.mark.reliability
@FEWER
@given(user=st.sampled_from([ALICE, CAROL, ERIN]), text=dm_text)
def test_any_dm_is_answered_in_its_thread_escaped_and_an_oversized_one_stores_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, user: str, text: str
) -> None:
    record("fuzz cases: DM texts", 1)
    channel, ts = written_in_dm(emulator, user, text)
    before = snapshot(sessions)
    assert slack.dm(user, text, channel=channel, ts=ts).status_code == 200
    after = snapshot(sessions)
    replies = dm_replies(emulator, ts)
    for reply in replies:
        assert_escaped(reply)
    cleaned = expected_topic(meant_text(text))  # Slack sends it escaped; the bot keeps what was meant
    if cleaned is None:  # nothing to add (blank, or only control characters): no answer
        assert replies == [] and changed(before, after) == set()
        return
    assert len(replies) == 1, replies
    said = text_of(replies[0])
    event(f"{user}: {said[:30]}")
    assert cleaned is not None
    if len(cleaned) > TOPIC_LIMIT:
        assert f"the limit is {TOPIC_LIMIT}" in said, said
        assert changed(before, after) == {"outbox"} and added_rows(before, after, "outbox") == 1  # the answer
        return
    if user == ALICE:  # one 1:1: straight onto its agenda
        assert f"Added to your 1:1 with <@{BOB}>" in said, said
        with sessions() as session:
            newest = session.scalars(select(Topic).order_by(Topic.id.desc())).first()
            assert newest is not None and newest.text == cleaned and newest.pair_id == world.ab_pair
        assert changed(before, after) == {"topic", "outbox"} and added_rows(before, after, "topic") == 1
        # Echoed back in the agenda (with every topic earlier examples added): escaped.
        agenda = slack.command(f"agenda <@{BOB}>", user_id=ALICE)
        assert agenda.status_code == 200 and "Agenda so far" in reply_text(agenda)
        assert_escaped(agenda.json())
    elif user == CAROL:  # two 1:1s: it waits while she picks one
        assert "Which 1:1 is this topic for?" in said, said
        assert changed(before, after) == {"pending_topic", "outbox"}
        assert added_rows(before, after, "pending_topic") == 1
    else:
        assert "You don't have any 1:1s yet" in said, said
        assert changed(before, after) == {"outbox"} and added_rows(before, after, "outbox") == 1


# ----------------------------------------------------------------------------- modals

crafted_metadata = st.one_of(
    st.sampled_from(
        ["", "-1", "0", "1.0", " 1", "1 ", "+1", "0x10", "1e3", "abc", "99999999999999999999", "١"]
    ),
    st.integers(min_value=0, max_value=10**20).map(str),
    st.text(max_size=20),
)


def alices_form(slack: SlackSender, emulator: SlackEmulator, action_id: str, meeting: int) -> ModalForm:
    """Alice clicks a button that opens a form for `meeting` ("Add a topic", "Write the summary"): the
    form she sees."""

    def click() -> None:
        button, message = {"action_id": action_id, "value": str(meeting)}, {"ts": "1700000000.000100"}
        response = slack.action(ALICE, [button], channel_id=emulator.open_dm(ALICE), message=message)
        assert response.status_code == 200

    return opened_form(emulator, click)


def modal_outcome(response: httpx.Response, fields: set[str]) -> str | None:
    """None for a clean close, else the field the error is shown under (which must be in the form)."""
    assert response.status_code == 200, response.text
    if not response.content:
        return None
    body = response.json()
    assert body["response_action"] == "errors" and len(body["errors"]) == 1, body
    ((field, message),) = body["errors"].items()
    assert field in fields and isinstance(message, str) and message.strip(), body
    assert_escaped({"text": message})
    return field


@pytest.mark.reliability
@FEWER
@given(data=st.data(), text=st.one_of(st.text(max_size=600), special_soup))
def test_add_topic_modal_takes_a_topic_for_ones_own_meeting_only(
    world: World,
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    data: st.DataObject,
    text: str,
) -> None:
    record("fuzz cases: add-topic modal submissions", 1)
    own = opened = data.draw(st.booleans(), label="own meeting")
    if own:
        metadata = str(data.draw(st.sampled_from(world.ab_meetings[:3]), label="meeting"))
    else:  # another pair's meeting, or anything else
        metadata = data.draw(
            st.sampled_from(world.cd_meetings[:3]).map(str) | crafted_metadata, label="crafted"
        )
        own = is_meeting_of(metadata, world.ab_meetings)
    form = alices_form(slack, emulator, "agenda_add_topic", int(metadata) if opened else world.ab_meetings[0])
    form.fill(NEW_TOPIC, text)
    # Slack's client sends no blank topic (the input is required) and none over its max_length...
    assert bool(form.refusals()) == (text == "" or len(text) > TOPIC_LIMIT), form.refusals()
    # ...but a hand-crafted client can, and can claim any meeting: those are forged, and the app must
    # refuse them itself.
    view = form.view if opened else form.forged(private_metadata=metadata)
    before = snapshot(sessions)
    field = modal_outcome(slack.submit(ALICE, view, form.state_values(unchecked=True)), {"topic"})
    event(f"own={own} error={field} forged={bool(form.refusals()) or not opened}")
    after = snapshot(sessions)
    cleaned = expected_topic(text)
    if own and cleaned is not None and len(cleaned) <= TOPIC_LIMIT:
        assert field is None
        assert changed(before, after) == {"topic"} and added_rows(before, after, "topic") == 1
        with sessions() as session:
            newest = session.scalars(select(Topic).order_by(Topic.id.desc())).first()
            assert newest is not None and (newest.text, newest.pair_id) == (cleaned, world.ab_pair)
    else:
        assert field == "topic" and changed(before, after) == set()


SUMMARY_FIELDS = {"key_points", "covered", "note"} | {
    f"action_{i}_{part}" for i in range(1, 6) for part in ("text", "owner", "due")
}
# What Slack's form would send (text, a member of the workspace, a date or nothing), and what only a
# hand-crafted client would (forged below).
owners = st.one_of(st.sampled_from([CAROL, ERIN, "", "<!channel>", "UNOBODY1"]), st.none())
MEMBERS = (ALICE, BOB, CAROL, ERIN)  # whom the form's user menu offers
dues = st.one_of(
    st.none(),
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "not a date", "", "12/10/2026", "2026-12-10T00:00"]),
)
action_texts = st.one_of(
    st.sampled_from(["Send the notes", "Book a room & <!here>"]), st.text(max_size=60), special_soup
)
form_action = st.tuples(
    st.sampled_from(["Send the notes", "Book a room & <!here>", "<@UBOB0001|x> <https://e.x|y>"])
    | st.text(min_size=1, max_size=60).filter(lambda s: bool(s.strip())),
    st.sampled_from([ALICE, BOB]),
    st.none() | st.dates().map(str),
)
any_action = st.tuples(action_texts, owners | st.sampled_from([ALICE, BOB]), dues)


def filled_summary(
    form: ModalForm,
    key_points: str,
    actions: list[tuple[str, str | None, str | None]],
    note: str,
    covered: list[str],
) -> dict[str, dict[str, Any]]:
    """The summary form's full state once filled: by its labels where a person could, forged where only a
    hand-crafted client could (an owner no menu offers, a date no picker gives, options the form lacks)."""
    form.fill("Key points", key_points).fill("Private note", note)
    for nth, (text, owner, due) in enumerate(actions, start=1):
        form.fill(f"Action item {nth}", text)
        if owner is not None and owner in MEMBERS:
            form.choose_user("Owner", owner, nth=nth)
        else:
            form.forge("Owner", owner, nth=nth)
        try:
            if due is not None:
                form.pick_date("Due", due, nth=nth)
        except ValueError:
            form.forge("Due", due, nth=nth)
    options = form.field(COVERED_TOPICS).element["options"] if COVERED_TOPICS in form.labels else []
    shown = {o["value"]: o["text"]["text"] for o in options}
    ticked = [{"text": {"type": "plain_text", "text": "t"}, "value": v} for v in covered]
    if covered and all(v in shown for v in covered):
        form.check(COVERED_TOPICS, *(shown[v] for v in covered))
    elif covered and shown:
        form.forge(COVERED_TOPICS, ticked)
    values = form.state_values(unchecked=True)
    if covered and not shown:  # the form shows no topics (none is on this meeting): a forged block
        values["covered"] = {"value": {"type": "checkboxes", "selected_options": ticked}}
    return values


@pytest.mark.reliability
@FEWER
@given(
    data=st.data(),
    key_points=st.one_of(
        st.just(""),
        st.just("Decided: <!channel> & <https://evil.example|docs>"),
        st.text(max_size=200),
        special_soup,
        st.text(min_size=1, max_size=2).map(lambda s: s * 1600),
    ),
    actions=st.lists(st.one_of(form_action, form_action, form_action, any_action), max_size=4),
    note=st.one_of(st.just(""), st.just(""), st.text(max_size=100), st.just("n" * 3001)),
)
def test_summary_modal_stores_for_ones_own_meeting_only_and_names_the_bad_field(
    world: World,
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    data: st.DataObject,
    key_points: str,
    actions: list[tuple[str, str | None, str | None]],
    note: str,
) -> None:
    record("fuzz cases: summary modal submissions", 1)
    own = opened = data.draw(st.sampled_from([True, True, False]), label="own meeting")
    if own:
        metadata = str(data.draw(st.sampled_from(world.ab_meetings[:3]), label="meeting"))
    else:
        metadata = data.draw(
            st.sampled_from(world.cd_meetings[:3]).map(str) | crafted_metadata, label="crafted"
        )
        own = is_meeting_of(metadata, world.ab_meetings)
    covered = data.draw(
        st.lists(
            st.sampled_from([*map(str, world.ab_topics + world.cd_topics), "abc", "-1", ""]), max_size=4
        ),
        label="covered",
    )
    form = alices_form(slack, emulator, "summary_open", int(metadata) if opened else world.ab_meetings[0])
    values = filled_summary(form, key_points, actions, note, covered)
    # Slack's client sends no text over its input's max_length; a hand-crafted client can (forged).
    too_long = len(key_points) > TEXT_LIMIT or len(note) > TEXT_LIMIT
    assert any("max_length" in r.rule for r in form.refusals()) == too_long, form.refusals()
    view = form.view if opened else form.forged(private_metadata=metadata)  # forged: any meeting id
    before = snapshot(sessions)
    sent = len(emulator.calls())
    field = modal_outcome(slack.submit(ALICE, view, values), SUMMARY_FIELDS)
    event(f"own={own} error={field} forged={bool(form.refusals()) or not opened}")
    after = snapshot(sessions)
    # Carol and Dave's topics never change, whatever Alice ticks.
    cd_topics = {str(t) for t in world.cd_topics}
    assert [r for r in after["topic"] if r[0] in cd_topics] == [
        r for r in before["topic"] if r[0] in cd_topics
    ]
    if field is not None or not own:
        assert field is not None, "a crafted meeting id was accepted"
        assert changed(before, after) == set()
        assert emulator.calls()[sent:] == []  # nothing posted for a refused form
    else:
        assert added_rows(before, after, "summary") == 1
        with sessions() as session:
            held = session.get(Meeting, int(metadata))
            assert held is not None and held.status == "held"
        # The summary posted (or updated) for the two of them shows what was typed, escaped.
        posted = [c.args for c in emulator.calls()[sent:] if c.method in ("chat.postMessage", "chat.update")]
        assert posted
        for message in posted:
            assert_escaped(message)


# ----------------------------------------------------------------------------- buttons

crafted_values = st.one_of(
    st.sampled_from(
        ["1:2", "-1", "99999999999999999999", "abc", "", "0", "1", "2:1", ":", "1:", ":1", "1:2:3"]
    ),
    st.integers(min_value=0, max_value=10**19).map(str),
    st.tuples(st.integers(0, 50), st.integers(0, 2**31)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.text(max_size=30),
)


@pytest.mark.reliability
@FUZZ
@given(data=st.data(), action_id=st.sampled_from(ACTION_IDS))
def test_any_click_by_an_outsider_changes_nothing_and_answers_with_a_private_warning(
    world: World,
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    data: st.DataObject,
    action_id: str,
) -> None:
    record("fuzz cases: button payloads", 1)
    their_ids = st.sampled_from(world.ids()).map(str)
    value = data.draw(
        st.one_of(
            crafted_values,
            their_ids,
            st.tuples(their_ids, their_ids).map(":".join),  # pending:pair, meeting:epoch
        ),
        label="value",
    )
    url = emulator.new_response_url()
    sent = len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update"))
    opened = len(emulator.calls("views.open"))
    before = snapshot(sessions)
    response = slack.action(
        ERIN,
        [{"action_id": action_id, "value": value}],
        channel_id=emulator.open_dm(ERIN),
        message={"ts": "1700000000.000100"},
        response_url=url,
    )
    assert response.status_code == 200, response.text
    assert changed(before, snapshot(sessions)) == set()
    assert len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update")) == sent
    posts = [p.payload for p in emulator.response_posts(url)]
    event(f"{action_id}: {posts[0]['text'][:40] if posts else 'no post'}")
    for post in posts:
        assert_escaped(post)
    if action_id == "series_cancel_keep":
        assert [p["text"] for p in posts] == ["OK, nothing changed: your 1:1 carries on."]
    elif action_id == "agenda_add_topic" and re.fullmatch("[0-9]{1,10}", value) and int(value) <= INT32_MAX:
        # An empty form for that id opens; its submission is checked (see the modal property).
        views = [c.args["view"] for c in emulator.calls("views.open")[opened:]]
        assert posts == [] and [v["private_metadata"] for v in views] == [str(int(value))]
    else:
        assert len(posts) == 1, posts
        assert posts[0]["text"].startswith(":warning:"), posts
        assert posts[0]["response_type"] == "ephemeral" and posts[0]["replace_original"] is False
        assert len(emulator.calls("views.open")) == opened


# ----------------------------------------------------------------------------- regressions
#
# Inputs that once gave a server error or stored rows for a refused command.


def all_surfaces(
    slack: SlackSender, emulator: SlackEmulator, world: World, value: str, text: str = "x"
) -> dict[str, int]:
    """HTTP status of `/1on1 done <value>`, of a click on every id-carrying button with `value`, and of
    both modals (forms Alice opened, forged to carry `value` as their meeting id)."""
    statuses = {"/1on1 done": slack.command(f"done {value}", user_id=ALICE).status_code}
    for action_id in ACTION_IDS:
        if action_id != "series_cancel_keep":
            response = slack.action(
                ALICE,
                [{"action_id": action_id, "value": value}],
                message={"ts": "1700000000.000100"},
                response_url=emulator.new_response_url(),
            )
            statuses[action_id] = response.status_code
    for action_id, label in (("agenda_add_topic", NEW_TOPIC), ("summary_open", "Key points")):
        form = alices_form(slack, emulator, action_id, world.ab_meetings[0]).fill(label, text)
        response = slack.submit(ALICE, form.forged(private_metadata=value), form.state_values())
        statuses[form.view["callback_id"]] = response.status_code
    return statuses


def test_superscript_digits_are_refused_not_a_server_error(
    world: World, slack: SlackSender, emulator: SlackEmulator
) -> None:
    statuses = all_surfaces(slack, emulator, world, "²")
    assert {name: status for name, status in statuses.items() if status != 200} == {}


def test_a_nul_character_in_user_text_is_stored_or_refused_not_a_server_error(
    world: World, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    problems = []
    reply = slack.command(f"add-topic <@{BOB}> before\x00after", user_id=ALICE).json()["text"]
    if "Something went wrong" in reply:
        problems.append(("add-topic", reply))
    reply = slack.command(f"note <@{BOB}> private\x00note", user_id=ALICE).json()["text"]
    if "Something went wrong" in reply:
        problems.append(("note", reply))
    dm, ts = written_in_dm(emulator, ALICE, "dm\x00topic")
    if (status := slack.dm(ALICE, "dm\x00topic", channel=dm, ts=ts).status_code) != 200:
        problems.append(("dm", status))
    form = alices_form(slack, emulator, "agenda_add_topic", world.ab_meetings[0]).fill(
        NEW_TOPIC, "modal\x00topic"
    )
    if (status := slack.submit(ALICE, form.view, form.state_values()).status_code) != 200:
        problems.append(("add_topic_modal", status))
    assert problems == []


def test_an_id_beyond_32_bits_is_refused_not_a_server_error(
    world: World, slack: SlackSender, emulator: SlackEmulator
) -> None:
    value = str(INT32_MAX + 1)
    statuses = all_surfaces(slack, emulator, world, value)
    assert {name: status for name, status in statuses.items() if status != 200} == {}
    assert "Something went wrong" not in slack.command(f"done {value}", user_id=ALICE).json()["text"]


def test_a_refused_command_from_a_newcomer_stores_nothing(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    emulator.add_user(CAROL, tz=ZONES[CAROL])
    stored = {}
    for user_id, text in [
        ("UNEW0001", "agenda"),
        ("UNEW0002", "skip"),
        ("UNEW0003", "reschedule tomorrow 10:00"),
        ("UNEW0004", f"schedule <@{CAROL}> weekly tue 10:00 from 2020-01-01"),
    ]:
        emulator.add_user(user_id, tz="Europe/Paris")
        before = snapshot(sessions)
        body = slack.command(text, user_id=user_id).json()
        assert is_refusal(body), body
        if changes := changed(before, snapshot(sessions)):
            stored[text] = sorted(changes)
    assert stored == {}
