"""Hand over (issue 15, part 3) through Slack: `/1on1 handoff @report to @new-manager`, the report's *Move
my 1:1 history* and *Not now*, and what each of the three sees afterwards. Each test runs over signed HTTP and
over Socket Mode, and on PostgreSQL in CI.

The older meetings are written through the services (fast); what a person sees is the reply, the message the
emulator stored, or the post that replaced it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import MeetingStatus
from bot.services.agenda import add_note
from bot.services.materialise import materialise_due
from bot.services.pairs import Actor
from bot.services.summaries import ActionInput, SummaryInput, submit_summary
from bot.services.topics import add_topic
from bot.slack import ids
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, HandoffRequest, Meeting, Note, Pair, Person, Series
from emulator.ids import TEAM_ID
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.read_back import Rows
from tests.slack.helpers import (
    bot_messages,
    buttons,
    pair_id,
    posts_to,
    reply_text,
    schedule_both_pairs,
    snapshot,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

ASKED = "would like to hand your 1:1s over"
NOT_YOURS = ":warning: That 1:1 isn't one of yours."
ALICES_NOTE = "Alice only: raise budget is tight"
BOBS_NOTE = "Bob only: thinking about the platform team"
BOBS_SUMMARY_NOTE = "Bob only: ask about conference budget"
BOBS_TOPIC = "Career plan for next year"
ALICES_TOPIC = "Alice wants to discuss the offsite"
# What the history's tables hold: a refusal or a *Not now* leaves all of them as they were.
HISTORY_TABLES = ("pair", "series", "meeting", "topic", "note", "action_item", "summary", "pulse_check")


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def as_user(user_id: str) -> Actor:
    return Actor(TEAM_ID, user_id)


def alice_and_bob_with_history(
    slack: SlackSender, sessions: SessionFactory, clock: FakeClock
) -> list[Meeting]:
    """Alice leads a weekly 1:1 with Bob; two meetings were held, summarised by Bob (with action items for
    each of them and a private note); each wrote a private note, each added a topic. Now: after the second."""
    schedule_both_pairs(slack)
    materialise_due(sessions, START)
    with sessions() as session:
        pair = pair_id(session, ALICE, BOB)
        held = list(
            session.scalars(select(Meeting).where(Meeting.pair_id == pair).order_by(Meeting.starts_at))
        )
    add_topic(sessions, START, as_user(BOB), ALICE, BOBS_TOPIC)
    add_topic(sessions, START, as_user(ALICE), BOB, ALICES_TOPIC)
    add_note(sessions, START, as_user(ALICE), BOB, ALICES_NOTE)
    add_note(sessions, START, as_user(BOB), ALICE, BOBS_NOTE)
    actions = [
        ActionInput("a1", "Bob drafts the roadmap", BOB, None),
        ActionInput("a2", "Alice books the training", ALICE, None),
    ]
    summarise(sessions, held[0], "Week 0: we planned the roadmap", actions=actions)
    summarise(sessions, held[1], "Week 1: hiring went on", note=BOBS_SUMMARY_NOTE)
    clock.set(held[1].ends_at + timedelta(hours=1))
    return held


def summarise(sessions: SessionFactory, meeting: Meeting, key_points: str, by: str = BOB, **kw: Any) -> None:
    form = SummaryInput(meeting.id, f"view:old-{meeting.id}-{by}", key_points, **kw)
    submit_summary(sessions, meeting.ends_at + timedelta(minutes=5), as_user(by), form)


def ask_handoff(slack: SlackSender, to: str = CAROL, by: str = ALICE, report: str = BOB) -> str:
    return reply_text(slack.command(f"handoff <@{report}> to <@{to}>", user_id=by))


def request_message(emulator: SlackEmulator) -> dict[str, Any]:
    """The newest hand-over request in Bob's DM, as the emulator stored it."""
    return bot_messages(emulator, BOB, ASKED)[-1]


def click(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, message: dict[str, Any], action_id: str
) -> list[str]:
    """`user_id` clicks the button on `message`; what the app answered under it."""
    url = emulator.new_response_url()
    button = buttons(message)[action_id]
    response = slack.action(
        user_id, [button], channel_id=emulator.open_dm(BOB), message=message, response_url=url
    )
    assert response.status_code == 200
    return [post.payload["text"] for post in emulator.response_posts(url)]


def tables(rows: Rows) -> Rows:
    return {name: rows[name] for name in HISTORY_TABLES}


def everything_to(emulator: SlackEmulator, user_id: str) -> str:
    return "\n".join(text_of(message) for message in posts_to(emulator, user_id))


def test_handoff_moves_the_shared_history_to_the_new_manager(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    held = alice_and_bob_with_history(slack, sessions, clock)

    reply = ask_handoff(slack)
    assert f"I've asked <@{BOB}> to confirm moving your 1:1 history to <@{CAROL}>" in reply
    asked = request_message(emulator)
    assert f"<@{ALICE}> would like to hand your 1:1s over to <@{CAROL}>" in text_of(asked)
    assert set(buttons(asked)) == {ids.HANDOFF_CONFIRM.action_id, ids.HANDOFF_DECLINE.action_id}

    # Nobody but Bob may answer: Alice, Carol and Dave are refused, and nothing changes.
    before = snapshot(sessions)
    for outsider in (ALICE, CAROL, DAVE):
        assert click(slack, emulator, outsider, asked, ids.HANDOFF_CONFIRM.action_id) == [NOT_YOURS]
        assert click(slack, emulator, outsider, asked, ids.HANDOFF_DECLINE.action_id) == [NOT_YOURS]
    assert snapshot(sessions) == before

    answer = click(slack, emulator, BOB, asked, ids.HANDOFF_CONFIRM.action_id)
    done = f":white_check_mark: Done: your 1:1 history is now with <@{CAROL}>."
    assert answer == [f"{done} I've told <@{ALICE}> and <@{CAROL}>."]
    # All three are told, each in their own words.
    to_alice = text_of(bot_messages(emulator, ALICE, "agreed")[-1])
    assert f"your 1:1 history with them is now <@{CAROL}>'s" in to_alice
    assert f"1 open action item you owned is <@{CAROL}>'s now" in to_alice
    to_bob = text_of(bot_messages(emulator, BOB, "Your 1:1 history is now with")[-1])
    assert "2 past meetings and 2 open action items moved over" in to_bob
    to_carol = text_of(bot_messages(emulator, CAROL, "handed their 1:1s")[-1])
    assert f"<@{ALICE}> handed their 1:1s with <@{BOB}> over to you" in to_carol
    assert f"1 open action item <@{ALICE}> owned is yours now" in to_carol
    assert "/1on1 schedule" in to_carol

    # Carol's history with Bob is the moved one; her agenda has Bob's topic and the open action items.
    carol_history = reply_text(slack.command(f"history <@{BOB}>", user_id=CAROL))
    assert "Week 0: we planned the roadmap" in carol_history
    assert "Week 1: hiring went on" in carol_history
    carol_agenda = reply_text(slack.command(f"agenda <@{BOB}>", user_id=CAROL))
    assert BOBS_TOPIC in carol_agenda
    assert "Bob drafts the roadmap" in carol_agenda and "Alice books the training" in carol_agenda
    # Bob's private notes came along, still his alone.
    bob_history = reply_text(slack.command(f"history <@{CAROL}>", user_id=BOB))
    assert "Week 1: hiring went on" in bob_history and BOBS_SUMMARY_NOTE in bob_history
    assert BOBS_NOTE in reply_text(slack.command(f"agenda <@{CAROL}>", user_id=BOB)) + bob_history
    # Alice keeps only what is hers: her private note and her own open topic; the history went.
    alice_agenda = reply_text(slack.command(f"agenda <@{BOB}>", user_id=ALICE))
    assert ALICES_NOTE in alice_agenda and ALICES_TOPIC in alice_agenda and BOBS_TOPIC not in alice_agenda
    assert "Week 0" not in reply_text(slack.command(f"history <@{BOB}>", user_id=ALICE))
    # Alice's private note never reached Carol or Bob, anywhere.
    seen_by_others = "\n".join(
        [
            carol_history,
            carol_agenda,
            bob_history,
            everything_to(emulator, BOB),
            everything_to(emulator, CAROL),
        ]
    )
    seen_by_others += reply_text(slack.command(f"agenda <@{CAROL}>", user_id=BOB))
    assert ALICES_NOTE not in seen_by_others
    assert BOBS_NOTE not in carol_history + carol_agenda + everything_to(emulator, CAROL)

    with sessions() as session:
        old, new = pair_id(session, ALICE, BOB), pair_id(session, BOB, CAROL)
        carol = session.scalar(select(Person).where(Person.slack_user_id == CAROL))
        assert carol is not None and session.get(Pair, new).manager_id == carol.id  # type: ignore[union-attr]
        series = session.scalar(select(Series).where(Series.pair_id == old))
        assert series is not None and not series.active and series.ended_at == clock()
        ahead = session.scalars(select(Meeting).where(Meeting.pair_id == old)).all()
        assert ahead and all(m.status is MeetingStatus.CANCELLED and m.starts_at > clock() for m in ahead)
        assert [
            m.pair_id
            for m in session.scalars(select(Meeting).where(Meeting.id.in_([held[0].id, held[1].id])))
        ] == [new, new]
        notes = {note.text: note.pair_id for note in session.scalars(select(Note))}
        assert notes == {ALICES_NOTE: old, BOBS_NOTE: new, BOBS_SUMMARY_NOTE: new}
        items = {item.text: (item.pair_id, item.owner_id) for item in session.scalars(select(ActionItem))}
        assert items["Alice books the training"] == (new, carol.id)

    # The old series sends nothing more: not its prompt, not a follow-up, past its next meeting.
    sent = len(posts_to(emulator, ALICE)), len(posts_to(emulator, BOB))
    tick(sessions, settings, ahead[0].ends_at + timedelta(days=1))
    assert (len(posts_to(emulator, ALICE)), len(posts_to(emulator, BOB))) == sent

    # A second click, or a replay of the first, changes nothing.
    after = snapshot(sessions)
    assert click(slack, emulator, BOB, asked, ids.HANDOFF_CONFIRM.action_id) == [
        f":warning: Done already: your 1:1 history is with <@{CAROL}> now."
    ]
    assert click(slack, emulator, BOB, asked, ids.HANDOFF_DECLINE.action_id) == [
        f":warning: Done already: your 1:1 history is with <@{CAROL}> now."
    ]
    assert snapshot(sessions) == after


def test_not_now_changes_nothing_and_tells_the_old_manager(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    alice_and_bob_with_history(slack, sessions, clock)
    before = tables(snapshot(sessions))
    ask_handoff(slack, to=DAVE)
    asked = request_message(emulator)

    answer = click(slack, emulator, BOB, asked, ids.HANDOFF_DECLINE.action_id)

    assert answer == [f"OK, nothing moved: your 1:1 history stays with <@{ALICE}>. I've told them."]
    told = text_of(bot_messages(emulator, ALICE, "said not now")[-1])
    assert f"<@{BOB}> said not now to handing their 1:1 history over to <@{DAVE}>: nothing changed" in told
    assert tables(snapshot(sessions)) == before
    assert "Week 0" in reply_text(slack.command(f"history <@{BOB}>", user_id=ALICE))
    assert not bot_messages(emulator, DAVE, "handed")
    # Declined is final: the same message's *Move my 1:1 history* no longer moves anything.
    assert click(slack, emulator, BOB, asked, ids.HANDOFF_CONFIRM.action_id) == [
        f":warning: You said not now to this already: your 1:1 history stays with <@{ALICE}>."
    ]
    assert tables(snapshot(sessions)) == before


def test_a_second_request_replaces_the_first(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    alice_and_bob_with_history(slack, sessions, clock)
    ask_handoff(slack, to=DAVE)
    first = request_message(emulator)

    assert "This replaces the request you sent them before." in ask_handoff(slack, to=CAROL)

    second = request_message(emulator)
    assert f"over to <@{CAROL}>" in text_of(second)
    before = snapshot(sessions)
    assert click(slack, emulator, BOB, first, ids.HANDOFF_CONFIRM.action_id) == [
        f":warning: <@{ALICE}> replaced this request with a newer one: answer that one instead."
    ]
    assert snapshot(sessions) == before
    click(slack, emulator, BOB, second, ids.HANDOFF_CONFIRM.action_id)
    assert "Week 0" in reply_text(slack.command(f"history <@{BOB}>", user_id=CAROL))
    with sessions() as session:
        decided = [(r.accepted, r.decided_at is not None) for r in session.scalars(select(HandoffRequest))]
    assert sorted(decided, key=repr) == sorted([(None, True), (True, True)], key=repr)


@pytest.mark.parametrize(
    ("by", "command", "refusal"),
    [
        (
            BOB,
            f"handoff <@{ALICE}> to <@{CAROL}>",
            f"<@{ALICE}> leads your 1:1, so it isn't yours to hand over",
        ),
        (ALICE, f"handoff <@{BOB}> to <@{ALICE}>", f"You already lead your 1:1 with <@{BOB}>"),
        (ALICE, f"handoff <@{BOB}> to <@{BOB}>", f"<@{BOB}> can't take over their own 1:1"),
        (ALICE, f"handoff <@{CAROL}> to <@{DAVE}>", f"You don't have a 1:1 with <@{CAROL}>"),
        (ALICE, f"handoff <@{BOB}> to <@UHELPBOT>", "<@UHELPBOT> is a bot, not a person"),
        (ALICE, f"handoff <@{BOB}> to <@UGONE001>", "<@UGONE001> has a deactivated account"),
        (CAROL, f"handoff <@{DAVE}> to <@{ALICE}>", f"<@{ALICE}> already has a 1:1 with <@{DAVE}>"),
    ],
)
def test_a_refused_handoff_stores_nothing(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    by: str,
    command: str,
    refusal: str,
) -> None:
    emulator.add_user("UHELPBOT", "standup-bot", is_bot=True)
    emulator.add_user("UGONE001", "former", deleted=True)
    schedule_both_pairs(slack)
    reply_text(slack.command(f"schedule <@{DAVE}> weekly thu 10:00", user_id=ALICE))
    before = snapshot(sessions)

    assert refusal in reply_text(slack.command(command, user_id=by))

    assert snapshot(sessions) == before
    assert not bot_messages(emulator, BOB, ASKED) and not bot_messages(emulator, DAVE, ASKED)


def test_the_old_managers_summaries_stay_in_the_moved_history(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    held = alice_and_bob_with_history(slack, sessions, clock)
    summarise(sessions, held[0], "Alice's view: roadmap is on track", by=ALICE)
    ask_handoff(slack)
    click(slack, emulator, BOB, request_message(emulator), ids.HANDOFF_CONFIRM.action_id)

    carol_history = reply_text(slack.command(f"history <@{BOB}>", user_id=CAROL))
    with sessions() as session:
        item = session.scalar(select(ActionItem.id).where(ActionItem.text == "Bob drafts the roadmap"))
    reply_text(slack.command(f"done {item}", user_id=BOB))

    assert f"<@{ALICE}>" in carol_history and "Alice's view: roadmap is on track" in carol_history
    # The summary Bob was sent shows the item ticked, Alice's part still in it.
    updated = emulator.wait_for("chat.update", lambda call: "Alice's view" in text_of(call.args))[-1]
    assert updated.ok and "Bob drafts the roadmap" in text_of(updated.args)
