"""Property tests through the real HTTP app: arbitrary commands, DMs, modal submissions and clicks.

Whatever arrives, Slack gets a 200 and a well-formed answer; user text comes back escaped; a refusal
stores nothing; a crafted id reaches nobody's 1:1. Fixtures are function-scoped, so one world is
built per test and every example compares the whole database before and after itself.

Most examples are built to get past the parsing and reach the services, where the rules are: commands
the grammar accepts, naming members and outsiders, with texts at their limits; clicks whose values are
real ids of another pair's 1:1, in each button's own format; summaries long and dense in escapes. The
events (`--hypothesis-show-statistics`) say how many got how far.

Inputs that once broke the bot (digits `str.isdigit` accepts and `int` refuses, NUL characters, ids
beyond a 32-bit integer) are generated like any other, and have regression tests at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.slack.subcommands import SUBCOMMANDS
from bot.store.db import SessionFactory
from bot.store.models import (
    ActionItem,
    HandoffRequest,
    Meeting,
    Note,
    Pair,
    PendingTopic,
    Person,
    Series,
    Topic,
)
from emulator.forms import ModalForm
from emulator.requests import SlackSender, meant_text
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.fuzzing import examples
from tests.read_back import Rows, changed
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

FUZZ = settings(
    max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FEWER = settings(FUZZ, max_examples=examples(60))

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
    # The Home tab's and the forms' buttons (issue 12).
    "schedule_open",
    "settings_open",
    "series_edit",
    "agenda_open",
    "home_skip_next",
    "home_reschedule_next",
    "home_add_topic",
    "summary_add_action",
    # The notice that someone is away (issue 13).
    "away_reschedule",
    "away_skip",
    "calendar_open",
    # Coaching depth (issue 14): the pulse's taps (one id per score, and the bare one), "Not useful",
    # sharing a held-back concern, and the history modal.
    "pulse_tap",
    *(f"pulse_tap_{score}" for score in range(1, 6)),
    "question_not_useful",
    "topic_share",
    "history_open",
    "history_page",
    # A manager's hand-over, answered by the report alone (issue 15).
    "handoff_confirm",
    "handoff_decline",
)


# ----------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class World:
    ab_meetings: tuple[int, ...]  # Alice and Bob's
    cd_meetings: tuple[int, ...]  # Carol and Dave's
    ab_topics: tuple[int, ...]
    cd_topics: tuple[int, ...]
    ab_actions: tuple[int, ...]
    cd_actions: tuple[int, ...]
    ab_series: int
    cd_series: int
    ab_pair: int
    cd_pair: int
    carols_pending: int  # a DM'd topic of Carol's, waiting for her to pick one of her two 1:1s
    handoff: int  # Carol asked to hand Dave's 1:1 over to Bob: only Dave may answer

    def ids(self) -> list[int]:
        return [
            *self.ab_meetings[:3],
            *self.cd_meetings[:2],
            *self.ab_topics,
            *self.cd_topics,
            *self.ab_actions,
            *self.cd_actions,
            self.ab_series,
            self.cd_series,
            self.carols_pending,
            self.handoff,
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
    """Alice-Bob and Carol-Dave meet weekly, with topics, action items and a note; Carol also shares
    an agenda with Bob (two 1:1s) and has a DM'd topic waiting; Erin has no 1:1. Time zones are cached."""
    add_people(emulator)
    emulator.add_user(ERIN, name=ERIN.lower(), tz="Europe/London")
    schedule_both_pairs(slack)
    reply_text(slack.command(f"add-topic <@{BOB}> Roadmap & <b>priorities</b>", user_id=ALICE))
    reply_text(slack.command(f"add-topic <@{DAVE}> Conference talk", user_id=CAROL))
    reply_text(slack.command(f"schedule <@{BOB}> monthly fri 15:00", user_id=CAROL))
    reply_text(slack.command(f"add-topic <@{BOB}> Pairing next sprint", user_id=CAROL))
    reply_text(slack.command(f"add-action <@{BOB}> Share the plan for <@{BOB}>", user_id=ALICE))
    reply_text(slack.command(f"add-action <@{DAVE}> Book the venue & <b>catering</b>", user_id=CAROL))
    reply_text(slack.command(f"add-action <@{DAVE}> Send the slides for <@{DAVE}>", user_id=CAROL))
    reply_text(slack.command(f"note <@{BOB}> Keep an eye on workload", user_id=ALICE))
    reply_text(slack.command(f"handoff <@{DAVE}> to <@{BOB}>", user_id=CAROL))
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
            cd_actions=of(ActionItem, cd),
            ab_series=session.scalars(select(Series.id).where(Series.pair_id == ab)).one(),
            cd_series=session.scalars(select(Series.id).where(Series.pair_id == cd)).one(),
            carols_pending=session.scalars(select(PendingTopic.id)).one(),
            handoff=session.scalars(select(HandoffRequest.id)).one(),
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
    "settings",
    "calendar",
    "away",
    "back",
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
    "reset",
    "busy",
    "off",
    "to",
    "https://calendar.example/private.ics",
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
any_command_text = st.one_of(any_text, special_soup, grammar, long_text)

dm_text = st.one_of(
    st.text(max_size=600),
    special_soup,
    st.builds(lambda s, n: (s or "x") * n, st.text(min_size=1, max_size=3), st.integers(1, 2000)).map(
        lambda s: s[:5000]
    ),
)

# ----------------------------------------------------------------------------- well-formed /1on1 commands
#
# Commands the grammar accepts (bot/slack/subcommands/*.py), so that they reach the services, where the
# rules live: whose 1:1 is this, is this person one of the pair, is the text within its limit.

TODAY = START.date()  # the world's clock: Tuesday 2026-12-01, 09:00 UTC (the same date in every zone)
PEOPLE = (ALICE, BOB, CAROL, DAVE, ERIN)  # the world's members and an outsider
NOTE_LIMIT = 3000


@dataclass(frozen=True)
class Command:
    """A `/1on1` text, and what it was built to say when it was built to be well-formed."""

    text: str
    name: str | None = None  # the subcommand; None: any text at all
    person: str | None = None  # whom it names as the other person of the 1:1
    said: str | None = None  # add-topic, note, add-action: the free text, as typed
    owner: str | None = None  # add-action: `for @owner`
    action: int | None = None  # done: the action item's number


# The world's 1:1s as built; a command names one of the typer's own partners as often as anyone at all.
MET_IN_WORLD = {ALICE: (BOB,), BOB: (ALICE, CAROL), CAROL: (DAVE, BOB), ERIN: ()}


def whom(user: str) -> SearchStrategy[str]:
    """Someone a command by `user` names: one of their partners, or anyone (an outsider, themselves)."""
    anyone = st.sampled_from(PEOPLE)
    return st.sampled_from(MET_IN_WORLD[user]) | anyone if MET_IN_WORLD[user] else anyone


def mention(user: str) -> SearchStrategy[str]:
    """`user` picked from Slack's @ menu: a token, with or without their name."""
    return st.sampled_from([f"<@{user}>", f"<@{user}|{user[1:].lower()}>"])


def maybe_mention(person: str | None) -> SearchStrategy[list[str]]:
    return st.just([]) if person is None else mention(person).map(lambda m: [m])


times = st.sampled_from(["00:00", "23:59", "0:00", "9:05", "12:30"]) | st.builds(
    lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)
)
weekdays = st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun", "Monday", "TUESDAY", "wednes"])
dates = st.one_of(
    st.sampled_from([TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1), date(2020, 1, 1)]),
    st.dates(TODAY - timedelta(days=14), TODAY + timedelta(days=60)),
).map(date.isoformat)
# Typed text near its limit, dense in what must be escaped, starting with a letter (not a mention).
TYPED = ["&", "<", ">", "&amp;", "<b>", "R&D", "a", "b", " ", "é", "\U0001f600", f"<@{DAVE}>", "<!here>"]


def typed_text(lengths: list[int]) -> SearchStrategy[str]:
    return st.builds(
        lambda pieces, length: ("T" + "".join(pieces) * length)[:length],
        st.lists(st.sampled_from(TYPED), min_size=1, max_size=6),
        st.sampled_from(lengths),
    )


@st.composite
def schedule_command(draw: st.DrawFn) -> Command:
    person = draw(st.sampled_from(PEOPLE))
    words = ["schedule", draw(mention(person)), draw(st.sampled_from(["weekly", "biweekly", "Monthly"]))]
    words += [draw(weekdays), draw(times)]
    if draw(st.booleans()):
        words.append(draw(st.sampled_from(["5m", "480m", "30m", "45min"])))
    if draw(st.booleans()):
        words += ["from", draw(dates)]
    if draw(st.booleans()):
        words += ["lead", draw(st.sampled_from(["1h", "168h", "48h"]))]
    if draw(st.booleans()):
        words += ["as", draw(st.sampled_from(["report", "manager"]))]
    return Command(" ".join(words), "schedule", person)


@st.composite
def text_command(draw: st.DrawFn, user: str, name: str, lengths: list[int]) -> Command:
    """add-topic or note: `[@person] <text>`."""
    person = draw(st.none() | whom(user))
    text = draw(typed_text(lengths))
    return Command(" ".join([name, *draw(maybe_mention(person)), text]), name, person, said=text)


@st.composite
def add_action_command(draw: st.DrawFn, user: str) -> Command:
    person, owner = draw(st.none() | whom(user)), draw(st.none() | st.just(user) | whom(user))
    words = draw(st.lists(st.sampled_from(["the", "notes", "&", "<b>slides</b>", "R&D", "x>y"]), max_size=5))
    text = " ".join(["Plan", *words])
    if draw(st.booleans()):  # near the limit an action item shares with a topic
        text = (text + " " + "&" * TOPIC_LIMIT)[: draw(st.sampled_from([499, 500, 501]))]
    options = [["due", draw(dates)]] if draw(st.booleans()) else []
    options += [["for", draw(mention(owner))]] if owner is not None else []
    options = draw(st.permutations(options))
    words = ["add-action", *draw(maybe_mention(person)), text, *(w for option in options for w in option)]
    return Command(" ".join(words), "add-action", person, said=text, owner=owner)


@st.composite
def person_command(draw: st.DrawFn, user: str, name: str, required: bool = False) -> Command:
    """agenda, actions, skip, cancel: `[@person]` (`@person` for cancel)."""
    person = draw(whom(user) if required else st.none() | whom(user))
    return Command(" ".join([name, *draw(maybe_mention(person))]), name, person)


@st.composite
def reschedule_command(draw: st.DrawFn, user: str) -> Command:
    person = draw(st.none() | whom(user))
    day = draw(st.sampled_from(["tomorrow", "Tomorrow"]) | weekdays | dates)
    words = ["reschedule", *draw(maybe_mention(person)), day, draw(times)]
    return Command(" ".join(words), "reschedule", person)


def done_command(world: World) -> SearchStrategy[Command]:
    """`done <n>` with the real numbers of both pairs' action items (and one that isn't there)."""
    numbers = [*world.ab_actions, *world.cd_actions, max(world.ab_actions + world.cd_actions) + 1000]
    return st.builds(
        lambda n, hashed: Command(f"done {'#' if hashed else ''}{n}", "done", action=n),
        st.sampled_from(numbers),
        st.booleans(),
    )


def well_formed(world: World, user: str) -> SearchStrategy[Command]:
    """A well-formed command by `user`, of any subcommand (add-topic and done twice as often)."""
    topics = text_command(user, "add-topic", [1, 40, 499, 500, 500, 501])
    return st.one_of(
        schedule_command(),
        topics,
        topics,
        text_command(user, "note", [1, NOTE_LIMIT - 1, NOTE_LIMIT, NOTE_LIMIT + 1]),
        add_action_command(user),
        done_command(world),
        done_command(world),
        person_command(user, "agenda"),
        person_command(user, "actions"),
        person_command(user, "skip"),
        person_command(user, "cancel", required=True),
        reschedule_command(user),
        *(st.just(Command(name, name)) for name in ("list", "whoami", "help")),
    )


def command_text(world: World, user: str) -> SearchStrategy[Command]:
    """Any text, or (two times in three) a well-formed command."""
    garbage = any_command_text.map(Command)
    return st.sampled_from([well_formed(world, user), well_formed(world, user), garbage]).flatmap(lambda s: s)


def partners(sessions: SessionFactory, user: str) -> set[str]:
    """Whom `user` has a 1:1 with: the other person of each pair a series was scheduled for."""
    with sessions() as session:
        slack_ids = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        pairs = session.scalars(select(Pair).where(Pair.id.in_(select(Series.pair_id))))
        members = [(slack_ids[p.member_a_id], slack_ids[p.member_b_id]) for p in pairs]
    return {b if a == user else a for a, b in members if user in (a, b)}


def the_other(sessions: SessionFactory, user: str, person: str | None) -> str | None:
    """The other person of the 1:1 a command by `user` naming `person` is about; None when there is none
    (not someone they meet with, or no person named and not exactly one 1:1)."""
    met = partners(sessions, user)
    if person is None:
        return next(iter(met)) if len(met) == 1 else None
    return person if person in met else None


def members_of(session: Session, pair_id: int) -> set[str]:
    pair = session.get(Pair, pair_id)
    assert pair is not None
    return {pair.member_a.slack_user_id, pair.member_b.slack_user_id}


def slack_id(session: Session, person_id: int) -> str:
    person = session.get(Person, person_id)
    assert person is not None
    return person.slack_user_id


READ_ONLY = {"help", "list", "whoami", "agenda", "actions", "cancel"}  # cancel only asks first


def check_outcome(
    sessions: SessionFactory, user: str, command: Command, other: str | None, done: bool, before: Rows
) -> None:
    """What is certain of a well-formed command's outcome, given whom it was about (`other`, as the world
    stood before it): accepted only within one's own 1:1, and then storing exactly what it says."""
    after = snapshot(sessions)
    name = command.name
    if name in ("add-topic", "note"):
        limit = TOPIC_LIMIT if name == "add-topic" else NOTE_LIMIT
        assert command.said is not None
        meant = expected_topic(meant_text(command.said))
        assert done == (other is not None and meant is not None and len(meant) <= limit), (other, meant)
        if done:
            table, model = ("topic", Topic) if name == "add-topic" else ("note", Note)
            assert changed(before, after) == {table} and added_rows(before, after, table) == 1
            with sessions() as session:
                newest = session.scalars(select(model).order_by(model.id.desc())).first()
                assert newest is not None and newest.text == meant
                assert members_of(session, newest.pair_id) == {user, other}
                assert slack_id(session, newest.author_id) == user
    elif name == "add-action":
        meant = " ".join(meant_text(command.said or "").split())
        owner_ok = command.owner in (None, user, other)  # an action item belongs to one of the two
        assert done == (other is not None and owner_ok and 0 < len(meant) <= TOPIC_LIMIT), (other, meant)
        if done:
            assert changed(before, after) == {"action_item"} and added_rows(before, after, "action_item") == 1
            with sessions() as session:
                newest = session.scalars(select(ActionItem).order_by(ActionItem.id.desc())).first()
                assert newest is not None and newest.text == meant
                assert members_of(session, newest.pair_id) == {user, other}
                assert slack_id(session, newest.owner_id) == (command.owner or user)
    elif name == "done":
        with sessions() as session:
            item = session.get(ActionItem, command.action)
            # Either person of the pair may close an item, nobody else.
            assert done == (item is not None and user in members_of(session, item.pair_id)), command
            if done:
                assert item is not None and item.done_at is not None
    elif name == "schedule" and done:
        assert command.person != user and command.person in partners(sessions, user)
    elif done and name not in ("list", "whoami", "help"):
        # The rest need a 1:1 with the person named (or the only one, if nobody is named).
        assert other is not None, command
        if name in READ_ONLY:
            assert changed(before, after) == set()
        else:  # skip, reschedule: the next meeting moves or is skipped, and the other person is told
            # (a first message to someone teaches the bot their DM channel: `person.dm_channel_id`)
            assert changed(before, after) <= {"meeting", "outbox", "person"}
    if name in ("agenda", "actions"):
        assert done == (other is not None)  # nothing else to refuse once the 1:1 is known
    if name in ("list", "whoami", "help"):
        assert done and changed(before, after) == set()


# ----------------------------------------------------------------------------- /1on1


@pytest.mark.reliability
@FUZZ
@given(data=st.data(), user=st.sampled_from([ALICE, BOB, CAROL, ERIN]))
def test_any_command_text_gets_an_ephemeral_answer_and_a_refusal_stores_nothing(
    world: World, slack: SlackSender, sessions: SessionFactory, data: st.DataObject, user: str
) -> None:
    record("fuzz cases: /1on1 texts", 1)
    command = data.draw(command_text(world, user), label="command")
    other = the_other(sessions, user, command.person)
    before = snapshot(sessions)
    response = slack.command(command.text, user_id=user)
    assert response.status_code == 200, response.text
    if [word.lower() for word in command.text.split()] in (["schedule"], ["settings"]):
        # Alone, these open their form (issue 12): an empty ack, and nothing stored until it is submitted.
        assert response.content == b"" and changed(before, snapshot(sessions)) == set()
        event(f"{command.text.strip().lower()}: a form")
        return
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert isinstance(body["text"], str) and body["text"].strip()
    assert "Something went wrong" not in body["text"]  # an exception inside the app
    assert_escaped(body)
    refused = is_refusal(body)
    shown = "\n".join(texts_in(body))
    event("refused" if refused else "done")
    # A refusal with a usage line (or of an unknown command) is the parser's; without one, a service's.
    parser = "Usage: `" in shown or "I don't know the command" in shown
    outcome = "done" if not refused else "refused by the parser" if parser else "refused by a service"
    event(f"{command.name or 'any text'}: {outcome}")
    if refused:
        assert "Usage: `/1on1 " in shown or "`/1on1 help`" in shown  # says the right form
        assert changed(before, snapshot(sessions)) == set()
    if command.name is not None:
        assert outcome != "refused by the parser", shown  # built to be well-formed
        check_outcome(sessions, user, command, other, not refused, before)


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


# Key points up to the max_length, dense in what escaping lengthens ("&" is shown as "&amp;") and in
# mentions (kept whole or left out whole): the posted summary must clip them within Slack's 3,000
# characters a section, on what was typed (bot/slack/text.py `escape_clipped`).
DENSE = ["&", "&", "<", ">", "&amp;", f"<@{BOB}>", f"<@{ALICE}>", "<!channel>", "a", " ", "\n"]
dense_key_points = st.builds(
    lambda pieces, length: ("".join(pieces) * length)[:length],
    st.lists(st.sampled_from(DENSE), min_size=1, max_size=8),
    st.sampled_from([TEXT_LIMIT - 1, TEXT_LIMIT]) | st.integers(1800, TEXT_LIMIT),
)


def unescaped(mrkdwn: str) -> str:
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")  # &amp; last


def shows_once(shown: str, typed: str) -> bool:
    """`shown` is `typed` escaped once, whole, or cut after a character of it and ended with "…"."""
    return unescaped(shown) == typed or (
        shown.endswith("…")
        and typed.startswith(unescaped(shown[:-1]))
        and len(unescaped(shown[:-1])) < len(typed)
    )


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
        dense_key_points,
        dense_key_points,
        dense_key_points,
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
        event(f"key points: {summary_posted(emulator, sent, key_points)}")


def summary_posted(emulator: SlackEmulator, sent: int, key_points: str) -> str:
    """The summary posted (or updated) for the two of them since call `sent`: Slack took it, everything
    in it is escaped, and Alice's part is what she typed, escaped exactly once, whole or clipped where she
    typed. Says which ("whole", "clipped"), or "none" when she wrote no key points."""
    calls = [c for c in emulator.calls()[sent:] if c.method in ("chat.postMessage", "chat.update")]
    assert calls and [c.response for c in calls if not c.ok] == []  # not refused (emulator/blocks.py)
    posted = [c.args for c in calls]
    for message in posted:
        assert_escaped(message)
    stored = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", key_points).strip()
    if not stored:
        return "none"
    head = f"*<@{ALICE}>:*\n"
    shown = [text[len(head) :] for text in texts_in(posted) if text.startswith(head)]
    matched = [text for text in shown if shows_once(text, stored)]
    if not matched:
        # So many parts piled up on this meeting that hers fell past the message's last block (which
        # bot/slack/blocks/common.py `to_dicts` turns into "…and N more").
        assert any(re.fullmatch(r"…and \d+ more", text) for text in texts_in(posted)), (stored[:99], shown)
        return "past the last block"
    return "whole" if stored in map(unescaped, matched) else "clipped"


@pytest.mark.reliability
@settings(FUZZ, max_examples=examples(20))
@given(data=st.data(), key_points=dense_key_points)
def test_a_summary_dense_in_escapes_is_posted_clipped_escaped_once(
    world: World, slack: SlackSender, emulator: SlackEmulator, data: st.DataObject, key_points: str
) -> None:
    """The summary property's posted side, always reached: Alice's own meeting, key points only (up to the
    max_length, dense in `&`, `<`, `>` and mentions), so every example is stored, posted and clipped."""
    meeting = data.draw(st.sampled_from(world.ab_meetings), label="meeting")
    form = alices_form(slack, emulator, "summary_open", meeting).fill("Key points", key_points)
    sent = len(emulator.calls())
    response = slack.submit(ALICE, form.view, form.state_values())
    if not key_points.strip():  # only spaces and line breaks: nothing to post
        assert modal_outcome(response, SUMMARY_FIELDS) == "key_points"
        return
    assert modal_outcome(response, SUMMARY_FIELDS) is None
    event(f"key points: {summary_posted(emulator, sent, key_points)}")


# ----------------------------------------------------------------------------- buttons

crafted_values = st.one_of(
    st.sampled_from(
        ["1:2", "-1", "99999999999999999999", "abc", "", "0", "1", "2:1", ":", "1:", ":1", "1:2:3"]
    ),
    st.integers(min_value=0, max_value=10**19).map(str),
    st.tuples(st.integers(0, 50), st.integers(0, 2**31)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.text(max_size=30),
)
BAD_VALUE = "That button doesn't point at anything I know."  # bot/slack/rim.py: unreadable as an id
CLICKERS = {
    ERIN: "an outsider",
    ALICE: "Alice, with Carol and Dave's ids",
    CAROL: "Carol, with Alice and Bob's ids",
}
ONE_MEETING = (
    "agenda_add_topic",
    "summary_open",
    "meeting_not_held",
    "slot_skip",
    "summary_add_action",
    "away_reschedule",
    "away_skip",
    "question_not_useful",
)
ONE_PAIR = ("agenda_open", "home_skip_next", "home_reschedule_next", "home_add_topic", "history_open")
PULSE_TAPS = ("pulse_tap", *(f"pulse_tap_{score}" for score in range(1, 6)))
# Buttons that point at nothing of anyone's: each opens its (empty) form for whoever clicks.
OPENS_A_FORM = {
    "schedule_open": "schedule_modal",
    "settings_open": "settings_modal",
    "calendar_open": "calendar_modal",  # without PUBLIC_URL (as here) it says feeds are off, storing nothing
}
# Every button; twice the two whose services check the pair themselves rather than through the meeting.
CLICKED = (*ACTION_IDS, "pending_topic_choose", "action_done")


@dataclass(frozen=True)
class Theirs:
    """Real ids of 1:1s the clicker is not one of, and pairs to place Carol's pending topic on."""

    meetings: tuple[int, ...]
    actions: tuple[int, ...]
    series: tuple[int, ...]
    pending_onto: tuple[int, ...]
    pairs: tuple[int, ...]
    topics: tuple[int, ...]


def theirs(world: World, clicker: str) -> Theirs:
    if clicker == ALICE:  # Carol's pending topic is not hers, whichever pair she places it on
        return Theirs(
            world.cd_meetings,
            world.cd_actions,
            (world.cd_series,),
            (world.cd_pair, world.ab_pair),
            (world.cd_pair,),
            world.cd_topics,
        )
    if clicker == CAROL:  # her own pending topic, onto a pair she is not in (bot/services/topics.py)
        return Theirs(
            world.ab_meetings,
            world.ab_actions,
            (world.ab_series,),
            (world.ab_pair,),
            (world.ab_pair,),
            world.ab_topics,
        )
    return Theirs(
        world.ab_meetings + world.cd_meetings,
        world.ab_actions + world.cd_actions,
        (world.ab_series, world.cd_series),
        (world.ab_pair, world.cd_pair),
        (world.ab_pair, world.cd_pair),
        world.ab_topics + world.cd_topics,
    )


def real_value(world: World, clicker: str, action_id: str) -> SearchStrategy[str]:
    """A value in the button's own format (bot/slack/ids.py) made of real ids of another pair's 1:1: it
    reads, and points at rows that exist, so only the check that the clicker is one of the pair refuses it."""
    their = theirs(world, clicker)
    if action_id in ONE_MEETING:
        return st.sampled_from(their.meetings).map(str)
    if action_id == "action_done":
        return st.sampled_from(their.actions).map(str)
    if action_id in ONE_PAIR:
        return st.sampled_from(their.pairs).map(str)
    if action_id in ("series_cancel_confirm", "series_cancel_keep", "series_edit"):
        return st.sampled_from(their.series).map(str)
    if action_id in ("handoff_confirm", "handoff_decline"):  # Dave's to answer: nobody here is Dave
        return st.just(str(world.handoff))
    if action_id == "topic_share":  # a topic of theirs: only its author may share it
        return st.sampled_from(their.topics).map(str)
    if action_id in PULSE_TAPS:  # (meeting id, feeling, score)
        return st.builds(
            lambda meeting, feeling, score: f"{meeting}:{feeling}:{score}",
            st.sampled_from(their.meetings),
            st.sampled_from(["happy", "challenged", "stressed", "engaged"]),
            st.integers(1, 5),
        )
    if action_id == "history_page":  # (pair id, page)
        return st.builds(lambda pair, page: f"{pair}:{page}", st.sampled_from(their.pairs), st.integers(0, 9))
    if action_id in OPENS_A_FORM:
        return st.just("")
    if action_id == "pending_topic_choose":  # (pending topic id, pair id)
        return st.sampled_from(their.pending_onto).map(lambda pair: f"{world.carols_pending}:{pair}")
    assert action_id == "slot_choose", action_id  # (meeting id, a slot's start as a Unix time)
    start = int(START.timestamp())
    return st.builds(
        lambda meeting, epoch: f"{meeting}:{epoch}",
        st.sampled_from(their.meetings),
        st.integers(start, start + 60 * 86400).map(lambda t: t - t % 900),
    )


def ownership_refusal(clicker: str, action_id: str, value: str) -> str:
    """What a click with another pair's real ids must be refused with: the service's ownership check."""
    if action_id == "action_done":
        return f":warning: There is no action item #{value} in your 1:1s."
    if action_id == "pending_topic_choose" and clicker != CAROL:  # not their topic
        return ":warning: That topic was already added, or it isn't yours."
    return ":warning: That 1:1 isn't one of yours."


@pytest.mark.reliability
@FUZZ
@given(data=st.data(), action_id=st.sampled_from(CLICKED), clicker=st.sampled_from(list(CLICKERS)))
def test_any_click_by_an_outsider_changes_nothing_and_answers_with_a_private_warning(
    world: World,
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    data: st.DataObject,
    action_id: str,
    clicker: str,
) -> None:
    record("fuzz cases: button payloads", 1)
    # (value, whether it is in the button's format and made of real ids of a 1:1 the clicker is not in)
    values = real_value(world, clicker, action_id).map(lambda value: (value, True))
    if clicker == ERIN:  # an outsider to everything: any crafted value too (one time in three)
        their_ids = st.sampled_from(world.ids()).map(str)
        crafted = st.one_of(
            crafted_values,
            their_ids,
            st.tuples(their_ids, their_ids).map(":".join),  # pending:pair, meeting:epoch
        ).map(lambda value: (value, False))
        values = st.sampled_from([values, values, crafted]).flatmap(lambda s: s)
    value, is_real = data.draw(values, label="value")
    url = emulator.new_response_url()
    sent = len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update"))
    opened = len(emulator.calls("views.open"))
    before = snapshot(sessions)
    response = slack.action(
        clicker,
        [{"action_id": action_id, "value": value}],
        channel_id=emulator.open_dm(clicker),
        message={"ts": "1700000000.000100"},
        response_url=url,
    )
    assert response.status_code == 200, response.text
    assert changed(before, snapshot(sessions)) == set()
    assert len(emulator.calls("chat.postMessage")) + len(emulator.calls("chat.update")) == sent
    answers = emulator.response_posts(url)
    assert [a.problems for a in answers if a.http_status != 200] == []  # Slack took every answer
    posts = [a.payload for a in answers]
    event(f"{action_id}: {posts[0]['text'][:40] if posts else 'no post'}")
    for post in posts:
        assert_escaped(post)
    if action_id == "series_cancel_keep":
        assert [p["text"] for p in posts] == ["OK, nothing changed: your 1:1 carries on."]
        outcome = "kept (nothing to check)"
    elif action_id == "agenda_add_topic" and re.fullmatch("[0-9]{1,10}", value) and int(value) <= INT32_MAX:
        # An empty form for that id opens; its submission is checked (see the modal property).
        views = [c.args["view"] for c in emulator.calls("views.open")[opened:]]
        assert posts == [] and [v["private_metadata"] for v in views] == [str(int(value))]
        outcome = "a form opened (checked on submit)"
    elif action_id in OPENS_A_FORM:  # nobody's ids: the clicker's own empty form
        views = [c.args["view"] for c in emulator.calls("views.open")[opened:]]
        assert posts == [] and [v["callback_id"] for v in views] == [OPENS_A_FORM[action_id]]
        outcome = "their own empty form opened"
    else:
        assert len(posts) == 1, posts
        assert posts[0]["text"].startswith(":warning:"), posts
        assert posts[0]["response_type"] == "ephemeral" and posts[0]["replace_original"] is False
        assert len(emulator.calls("views.open")) == opened
        if is_real:  # it read and pointed at real rows: refused by the check that the clicker is one of them
            assert posts[0]["text"] == ownership_refusal(clicker, action_id, value), (value, posts)
        outcome = (
            "refused: doesn't point at anything"
            if posts[0]["text"] == f":warning: {BAD_VALUE}"
            else "refused by the pair check"
            if is_real
            else "refused: a crafted id"
        )
    event(f"{CLICKERS[clicker]}: {outcome}")


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
