"""The App Home tab, end to end: app_home_opened and the Home tab's buttons in, views.publish out.

Each test runs over signed HTTP and over Socket Mode. What a person sees is the view the emulator stored
for them (`emulator.home_view`); a Home tab is published again, through the outbox, at most once every
HOME_MIN_INTERVAL per person, so tests move the clock past it between a change and looking.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery.claims import HOME_MIN_INTERVAL
from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.services import home as home_service
from bot.services.agenda import ActionLine
from bot.services.home import HomePair, HomeView, SeriesLine
from bot.slack.blocks.home import home_tab
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Person, Topic
from emulator.blocks import view_errors
from emulator.methods.views import MAX_VIEW_BYTES
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    NEW_TOPIC,
    fill_summary,
    opened_form,
    pair_id,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
    wait_for_post,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

# Alice (New York) meets Bob on Tuesdays at 10:00 her time (15:00 UTC, today at START) and Carol on
# Thursdays at 10:00 (15:00 UTC on 3 December).
BOB_FIRST = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CAROL_FIRST = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
LATER = START + HOME_MIN_INTERVAL + timedelta(seconds=1)  # past the pacing of a publish at START


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def open_home(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    """`user_id` opens the bot's Home tab; the view published to them (after the request settled)."""
    slack.home_opened(user_id, emulator.open_dm(user_id), view=emulator.home_view(user_id))
    return home(emulator, user_id)


def home(emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    view = emulator.home_view(user_id)
    assert view is not None, f"nothing was published to {user_id}'s Home tab"
    return view


def publishes(emulator: SlackEmulator, user_id: str) -> int:
    return len([c for c in emulator.calls("views.publish") if c.ok and c.args.get("user_id") == user_id])


def home_buttons(view: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every button of the view, in order: (action id, value, text)."""
    return [
        (element["action_id"], element.get("value", ""), element["text"]["text"])
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def pair_section(view: dict[str, Any], other: str) -> str:
    """The text of the blocks about the 1:1 with `other`, up to the next 1:1's."""
    texts: list[str] = []
    inside = False
    for block in view["blocks"]:
        text = text_of({"blocks": [block]})
        if f"*1:1 with <@{other}>*" in text:
            inside = True
        elif "*1:1 with <@" in text:
            inside = False
        if inside:
            texts.append(text)
    assert texts, f"no 1:1 with {other} on this Home tab"
    return "\n".join(texts)


def click(slack: SlackSender, emulator: SlackEmulator, user_id: str, action_id: str, value: str) -> Any:
    """`user_id` clicks a button of their Home tab (or one crafted to look like it)."""
    view = emulator.home_view(user_id) or {"type": "home", "blocks": []}
    return slack.action(user_id, [{"action_id": action_id, "value": value}], view=view)


def button_value(view: dict[str, Any], action_id: str, nth: int = 1) -> str:
    values = [value for found, value, _ in home_buttons(view) if found == action_id]
    assert len(values) >= nth, f"no {action_id} button #{nth}: {home_buttons(view)}"
    return values[nth - 1]


def schedule_alice(slack: SlackSender) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command(f"schedule <@{CAROL}> weekly thu 10:00", user_id=ALICE))


def home_rows(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == MessageKind.HOME).order_by(OutboxMessage.id)
            )
        )


# ---------------------------------------------------------------------------------------------- what it shows


def test_someone_with_no_1on1s_sees_what_the_bot_does_and_a_schedule_button(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    view = open_home(slack, emulator, DAVE)

    assert view["type"] == "home"
    text = text_of(view)
    assert "Set up a recurring 1:1" in text
    assert "write a short summary with action items" in text
    assert "suggest new times" in text
    assert [(a, t) for a, _, t in home_buttons(view)] == [("schedule_open", "Schedule a 1:1")]
    with sessions() as session:
        assert all(row.recipient_id is not None for row in home_rows(sessions))
        assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.kind == "home")) == "sent"


def test_each_1on1_soonest_first_with_its_next_meeting_topics_and_buttons(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    schedule_alice(slack)
    reply_text(slack.command(f"add-topic <@{BOB}> Hiring plan for Q1", user_id=ALICE))
    reply_text(slack.command(f"add-topic <@{BOB}> Conference budget", user_id=ALICE))
    reply_text(slack.command(f"add-topic <@{ALICE}> My growth & goals <!channel>", user_id=BOB))

    view = open_home(slack, emulator, ALICE)

    text = text_of(view)
    assert text.index(f"<@{BOB}>") < text.index(f"<@{CAROL}>")  # Bob's is today, Carol's on Thursday
    bob = pair_section(view, BOB)
    assert "weekly, Tuesdays at 10:00 (America/New_York) · you lead" in bob
    assert f"<!date^{int(BOB_FIRST.timestamp())}^" in bob
    assert "Tue 01 Dec 2026 10:00 EST" in bob  # the fallback text, in Alice's zone
    assert f"Topics so far: 2 from you, 1 from <@{BOB}>" in bob
    assert "Not held yet" in bob
    carol = pair_section(view, CAROL)
    assert f"<!date^{int(CAROL_FIRST.timestamp())}^" in carol
    assert f"Topics so far: 0 from you, 0 from <@{CAROL}>" in carol
    assert "Hiring plan" not in text  # counts, not the topics (the agenda has those)
    with sessions() as session:
        bob_pair, carol_pair = pair_id(session, ALICE, BOB), pair_id(session, ALICE, CAROL)
        bob_series = session.scalar(select(Meeting.series_id).where(Meeting.pair_id == bob_pair))
    buttons = [(a, v) for a, v, _ in home_buttons(view)]
    assert buttons[:10] == [
        ("schedule_open", ""),
        ("settings_open", ""),
        ("calendar_open", ""),
        ("home_add_topic", str(bob_pair)),
        ("agenda_open", str(bob_pair)),
        ("home_skip_next", str(bob_pair)),
        ("home_reschedule_next", str(bob_pair)),
        ("series_edit", str(bob_series)),
        ("history_open", str(bob_pair)),
        ("home_add_topic", str(carol_pair)),
    ]
    assert "summary_open" not in dict(buttons)  # nothing has ended yet

    # Bob sees the same 1:1 from his side, in his own zone.
    bob_view = open_home(slack, emulator, BOB)
    alice = pair_section(bob_view, ALICE)
    assert f"Topics so far: 1 from you, 2 from <@{ALICE}>" in alice
    assert "· they lead" in alice
    assert "Tue 01 Dec 2026 16:00 CET" in alice
    assert CAROL not in text_of(bob_view)


def test_open_action_items_of_both_sides_with_overdue_marked_last_held_and_health(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    schedule_alice(slack)
    clock.set(BOB_FIRST + timedelta(minutes=45))  # the first 1:1 with Bob is over
    view = open_home(slack, emulator, ALICE)
    with sessions() as session:
        first = session.scalars(select(Meeting.id).where(Meeting.starts_at == BOB_FIRST)).one()
    assert button_value(view, "summary_open") == str(first)
    assert len([a for a, _, _ in home_buttons(view) if a == "summary_open"]) == 1  # not Carol's: not over

    form = opened_form(emulator, lambda: click(slack, emulator, ALICE, "summary_open", str(first)))
    fill_summary(
        form,
        key_points="Went well",
        actions=[
            ("Send the <offer> & letter", BOB, "2026-11-30"),  # due yesterday: overdue
            ("Book the offsite", ALICE, "2026-12-20"),
        ],
    )
    submit_form(slack, ALICE, form)
    clock.set(clock() + HOME_MIN_INTERVAL)
    tick(sessions, settings, clock())

    bob = pair_section(home(emulator, ALICE), BOB)
    assert "*Your open action items*" in bob
    assert "Book the offsite" in bob
    assert f"*<@{BOB}>'s open action items*" in bob
    assert "Send the &lt;offer&gt; &amp; letter" in bob  # escaped once
    assert ":warning: *overdue*" in bob.split("Send the")[1].split("\n")[0]
    assert ":warning: *overdue*" not in bob.split("Book the offsite")[1].split("\n")[0]
    assert f"Last held <!date^{int(BOB_FIRST.timestamp())}^" in bob
    assert "last 1: 1 held, 0 skipped, 0 missed" in bob
    assert "summary_open" not in [a for a, _, _ in home_buttons(home(emulator, ALICE))]


# ---------------------------------------------------------------------------------------------- kept current


def test_a_topic_bob_adds_republishes_alices_home_and_nobody_elses(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    schedule_alice(slack)
    before = pair_section(open_home(slack, emulator, ALICE), BOB)
    assert f"0 from you, 0 from <@{BOB}>" in before
    clock.set(LATER)

    reply_text(slack.command(f"add-topic <@{ALICE}> Feedback on the launch", user_id=BOB))

    assert f"0 from you, 1 from <@{BOB}>" in pair_section(home(emulator, ALICE), BOB)
    assert publishes(emulator, ALICE) == 2
    # Bob (and Carol) never opened the Home tab: nothing is published to them, nothing waits for them.
    assert publishes(emulator, BOB) == publishes(emulator, CAROL) == 0
    with sessions() as session:
        alice_id = session.scalar(select(Person.id).where(Person.slack_user_id == ALICE))
    # Alice's last publish, kept to pace the next one: the outbox holds nothing for the others.
    assert [(row.recipient_id, row.status) for row in home_rows(sessions)] == [(alice_id, "sent")]


def test_a_burst_of_changes_is_one_or_two_publishes_then_the_last_state_once_the_interval_passed(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    schedule_alice(slack)
    open_home(slack, emulator, ALICE)
    clock.set(LATER)
    for n in range(50):  # 50 commands in a row
        reply_text(slack.command(f"add-topic <@{ALICE}> Topic number {n}", user_id=BOB))
    with sessions.begin() as session:  # and 200 topics in one transaction (an import, say)
        bob_id = session.scalar(select(Person.id).where(Person.slack_user_id == BOB))
        bob_pair = pair_id(session, ALICE, BOB)
        session.add_all(
            Topic(pair_id=bob_pair, author_id=bob_id, text=f"Imported {n}", created_at=LATER)
            for n in range(200)
        )

    # The first change went out at once; the other 249 wait in one row until the interval is over.
    assert publishes(emulator, ALICE) == 2
    assert f"0 from you, 1 from <@{BOB}>" in pair_section(home(emulator, ALICE), BOB)
    assert len([r for r in home_rows(sessions) if r.status == "pending"]) == 1

    clock.set(LATER + HOME_MIN_INTERVAL)
    tick(sessions, settings, clock())

    assert publishes(emulator, ALICE) == 3
    assert f"0 from you, 250 from <@{BOB}>" in pair_section(home(emulator, ALICE), BOB)
    assert [r.status for r in home_rows(sessions)] == ["sent"]


def test_a_rate_limited_publish_is_retried_after_its_retry_after_and_other_messages_go_on(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    schedule_alice(slack)
    open_home(slack, emulator, ALICE)
    open_home(slack, emulator, BOB)
    open_home(slack, emulator, CAROL)
    carol_before = home(emulator, CAROL)
    clock.set(LATER)
    emulator.fail_next("views.publish", status=429, retry_after=7)

    reply_text(slack.command(f"skip <@{ALICE}>", user_id=BOB))

    # Alice is told at once: views.publish being limited holds back no chat.postMessage.
    assert "skipped" in text_of(wait_for_post(emulator, ALICE, "skipped"))
    assert f"<!date^{int(BOB_FIRST.timestamp())}^" in pair_section(home(emulator, ALICE), BOB)
    limited = [c for c in emulator.calls("views.publish") if not c.ok]
    assert len(limited) == 1

    clock.set(LATER + timedelta(seconds=7))
    tick(sessions, settings, clock())

    next_week = BOB_FIRST + timedelta(days=7)
    assert f"<!date^{int(next_week.timestamp())}^" in pair_section(home(emulator, ALICE), BOB)
    assert f"<!date^{int(next_week.timestamp())}^" in pair_section(home(emulator, BOB), ALICE)
    assert home(emulator, CAROL)["blocks"] == carol_before["blocks"]  # not her 1:1: not published again
    assert all(r.status == "sent" for r in home_rows(sessions))


# ---------------------------------------------------------------------------------------------- its buttons

NEW_DATE, NEW_TIME = "New date", "New time (America/New_York)"  # the reschedule form, in Alice's zone


def bob_pair_of(sessions: SessionFactory) -> str:
    with sessions() as session:
        return str(pair_id(session, ALICE, BOB))


def meeting_on(sessions: SessionFactory, day: date) -> Meeting:
    """The Alice–Bob meeting of that local date (its identity, whatever its start now is)."""
    with sessions() as session:
        bob_pair = pair_id(session, ALICE, BOB)
        return session.scalars(
            select(Meeting).where(Meeting.pair_id == bob_pair, Meeting.local_date == day)
        ).one()


def test_add_a_topic_opens_the_form_for_the_next_meeting_and_stores_it_there(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    clock: FakeClock,
    settings: Settings,
) -> None:
    schedule_alice(slack)
    view = open_home(slack, emulator, ALICE)
    bob_pair = button_value(view, "home_add_topic")
    assert bob_pair == bob_pair_of(sessions)

    form = opened_form(emulator, lambda: click(slack, emulator, ALICE, "home_add_topic", bob_pair))
    submit_form(slack, ALICE, form.fill(NEW_TOPIC, "Career goals & next steps"))

    with sessions() as session:
        topic = session.scalars(select(Topic)).one()
    assert topic.text == "Career goals & next steps"
    assert topic.meeting_id == meeting_on(sessions, date(2026, 12, 1)).id
    clock.set(LATER)
    tick(sessions, settings, clock())
    assert f"1 from you, 0 from <@{BOB}>" in pair_section(home(emulator, ALICE), BOB)


def test_agenda_opens_the_next_meetings_agenda_as_the_reader_sees_it_with_their_own_notes(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    schedule_alice(slack)
    reply_text(slack.command(f"add-topic <@{ALICE}> Roadmap <!here> & <b>", user_id=BOB))
    reply_text(slack.command(f"note <@{BOB}> Ask about the move", user_id=ALICE))
    reply_text(slack.command(f"note <@{ALICE}> Bob's own secret", user_id=BOB))
    view = open_home(slack, emulator, ALICE)

    form = opened_form(
        emulator, lambda: click(slack, emulator, ALICE, "agenda_open", button_value(view, "agenda_open"))
    )

    agenda = form.view
    assert agenda["callback_id"] == "agenda_modal"
    assert agenda["submit"] is None and form.fields == []  # read only: nothing to fill, no buttons
    text = text_of(agenda)
    assert f"*Your next 1:1 with <@{BOB}>* is <!date^{int(BOB_FIRST.timestamp())}^" in text
    assert f"Roadmap @here &amp; &lt;b&gt; — <@{BOB}>" in text  # escaped once, no ping
    assert "Ask about the move" in text and "Your private notes" in text
    assert "Bob's own secret" not in text
    assert not [b for b in agenda["blocks"] if b["type"] == "actions"]


def test_skip_next_skips_it_tells_the_other_person_and_the_home_tab_shows_the_one_after(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    schedule_alice(slack)
    view = open_home(slack, emulator, ALICE)
    skip = next(
        b
        for block in view["blocks"]
        if block["type"] == "actions"
        for b in block["elements"]
        if b["action_id"] == "home_skip_next"
    )
    assert "Skip your 1:1 with" in skip["confirm"]["text"]["text"]  # Slack asks before it sends the click
    clock.set(LATER)

    click(slack, emulator, ALICE, "home_skip_next", skip["value"])

    assert meeting_on(sessions, date(2026, 12, 1)).status is MeetingStatus.SKIPPED
    told = text_of(wait_for_post(emulator, BOB, "skipped your 1:1"))
    assert f"<@{ALICE}> skipped your 1:1" in told
    next_week = BOB_FIRST + timedelta(days=7)
    assert f"Next: <!date^{int(next_week.timestamp())}^" in pair_section(home(emulator, ALICE), BOB)
    assert not emulator.calls("views.open")  # nothing to tell Alice but her Home tab


def test_a_refused_click_is_told_in_a_modal_and_changes_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    schedule_alice(slack)
    view = open_home(slack, emulator, ALICE)
    bob_pair = button_value(view, "home_skip_next")
    # The series ends elsewhere while Alice's Home tab still shows its buttons.
    with sessions.begin() as session:
        for meeting in session.scalars(select(Meeting).where(Meeting.pair_id == int(bob_pair))):
            meeting.status = MeetingStatus.CANCELLED
    before = snapshot(sessions)

    for action_id in ("home_skip_next", "home_reschedule_next", "home_add_topic"):
        shown = opened_form(emulator, lambda a=action_id: click(slack, emulator, ALICE, a, bob_pair))
        assert f"There is no upcoming 1:1 with <@{BOB}>" in text_of(shown.view), action_id
        assert shown.view["type"] == "modal" and shown.view["submit"] is None

    assert snapshot(sessions) == before


def test_reschedule_next_refuses_a_past_time_on_its_field_and_moves_it_to_a_good_one(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, clock: FakeClock
) -> None:
    schedule_alice(slack)
    view = open_home(slack, emulator, ALICE)
    bob_pair = button_value(view, "home_reschedule_next")
    form = opened_form(emulator, lambda: click(slack, emulator, ALICE, "home_reschedule_next", bob_pair))
    assert form.field(NEW_DATE).value == "2026-12-01"
    assert form.field(NEW_TIME).value == "10:00"  # 15:00 UTC, in Alice's zone
    assert form.field(NEW_TIME).element["timezone"] == "America/New_York"
    before = snapshot(sessions)

    # 03:00 in New York today is 08:00 UTC: an hour before now.
    refused = submit_form(slack, ALICE, form.pick_time(NEW_TIME, "03:00"))
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"reschedule_time": "That time has already passed; pick a time that is still ahead."},
    }
    refused = submit_form(slack, ALICE, form.pick_date(NEW_DATE, "2026-11-30").pick_time(NEW_TIME, "11:00"))
    assert list(refused.json()["errors"]) == ["reschedule_day"]
    assert snapshot(sessions) == before

    clock.set(LATER)
    moved = submit_form(slack, ALICE, form.pick_date(NEW_DATE, "2026-12-02").pick_time(NEW_TIME, "11:30"))

    assert moved.status_code == 200 and not moved.content  # the modal closes
    new_start = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)
    assert meeting_on(sessions, date(2026, 12, 1)).starts_at == new_start
    assert f"<@{ALICE}> moved your next 1:1" in text_of(wait_for_post(emulator, BOB, "moved your next"))
    assert f"Next: <!date^{int(new_start.timestamp())}^" in pair_section(home(emulator, ALICE), BOB)


def test_a_strangers_crafted_clicks_on_someone_elses_pair_change_nothing_and_reveal_nothing(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    schedule_alice(slack)
    reply_text(slack.command(f"add-topic <@{ALICE}> Something private", user_id=BOB))
    reply_text(slack.command(f"schedule <@{CAROL}> weekly fri 09:00", user_id=DAVE))
    bob_pair = bob_pair_of(sessions)
    own = opened_form(
        emulator,
        lambda: click(
            slack,
            emulator,
            DAVE,
            "home_reschedule_next",
            button_value(open_home(slack, emulator, DAVE), "home_reschedule_next"),
        ),
    )
    before = snapshot(sessions)

    for action_id in ("home_add_topic", "agenda_open", "home_skip_next", "home_reschedule_next"):
        shown = opened_form(emulator, lambda a=action_id: click(slack, emulator, DAVE, a, bob_pair))
        assert text_of(shown.view) == "\n:warning: That 1:1 isn't one of yours.", action_id
    # His own reschedule form, forged to move their meeting.
    form = own.pick_date(NEW_DATE, "2026-12-09").pick_time("New time (America/New_York)", "11:00")
    refused = slack.submit(DAVE, form.forged(private_metadata=bob_pair), form.state_values())
    assert refused.json()["errors"] == {"reschedule_day": "That 1:1 isn't one of yours."}

    assert snapshot(sessions) == before
    assert "Something private" not in str([c.args for c in emulator.calls("views.open")])
    assert not [c for c in emulator.calls("chat.postMessage") if "skipped" in str(c.args)]


# -------------------------------------------------------------------------------------------- Slack's limits


def crowded_home(pairs: int) -> HomeView:
    """A manager with many 1:1s, each with many open action items as long as they may be, in escapes."""
    longest = "<&>" * (TOPIC_MAX_CHARS // 3)  # each character becomes an escape four or five long

    def actions(owner: str) -> list[ActionLine]:
        return [ActionLine(n, longest, owner, date(2026, 11, 1), True) for n in range(12)]

    return HomeView(
        ALICE,
        "America/New_York",
        [
            HomePair(
                pair_id=n,
                other_user_id=f"UREPORT{n:02d}",
                i_lead=True,
                series=SeriesLine(n, Cadence.WEEKLY, 1, time(10), "America/New_York"),
                next_meeting_id=n,
                next_starts_at=BOB_FIRST,
                my_topics=3,
                their_topics=4,
                my_actions=actions(ALICE),
                their_actions=actions(f"UREPORT{n:02d}"),
                last_held_at=BOB_FIRST - timedelta(days=7),
                held=6,
                skipped=1,
                missed=1,
                to_summarise=n,
            )
            for n in range(pairs)
        ],
        more=40,
    )


def test_a_crowded_home_tab_stays_within_slacks_limits_and_says_how_many_more() -> None:
    view = home_tab(crowded_home(home_service.MAX_PAIRS))["view"]

    assert view_errors(view) == []  # slack-sdk's own checks: block count, text lengths, elements
    assert len(view["blocks"]) <= 100
    assert len(json.dumps(view).encode()) < MAX_VIEW_BYTES
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    text = text_of(view)
    assert "…and 7 more (see *Agenda*)" in text  # 12 items a side, 5 shown
    assert text.count("&lt;&amp;&gt;") > 100 and "<&>" not in text
    assert view["blocks"][-1]["elements"][0]["text"].startswith(
        "…and 40 more 1:1s: see them all with `/1on1 list`"
    )


def test_past_a_hundred_blocks_the_1on1s_that_dont_fit_are_counted_too() -> None:
    view = home_tab(crowded_home(30))["view"]

    assert view_errors(view) == [] and len(view["blocks"]) <= 100
    shown = text_of(view).count("*1:1 with <@UREPORT")
    assert 15 <= shown < 30
    assert f"…and {40 + 30 - shown} more 1:1s" in text_of(view)


def test_a_garbled_value_or_a_home_button_crafted_into_a_message_is_refused_where_the_person_sees_it(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    schedule_alice(slack)
    open_home(slack, emulator, DAVE)
    bob_pair = bob_pair_of(sessions)
    before = snapshot(sessions)

    shown = opened_form(emulator, lambda: click(slack, emulator, DAVE, "agenda_open", "12abc"))
    assert "doesn't point at anything I know" in text_of(shown.view)
    opened = len(emulator.calls("views.open"))
    url = emulator.new_response_url()
    slack.action(
        DAVE,
        [{"action_id": "home_skip_next", "value": bob_pair}],
        channel_id=emulator.open_dm(DAVE),
        message={"ts": "1700000000.000100"},
        response_url=url,
    )

    (post,) = [p.payload for p in emulator.response_posts(url)]
    assert post["text"] == ":warning: That 1:1 isn't one of yours."
    assert post["response_type"] == "ephemeral" and post["replace_original"] is False
    assert len(emulator.calls("views.open")) == opened
    assert snapshot(sessions) == before


def test_a_1on1_more_often_dropped_than_held_is_flagged_and_one_with_no_series_offers_only_its_agenda() -> (
    None
):
    dying = HomePair(1, BOB, False, None, None, None, held=1, skipped=2, missed=1)
    view = home_tab(HomeView(ALICE, "America/New_York", [dying]))["view"]

    text = text_of(view)
    assert "Not held yet · last 4: 1 held, 2 skipped, 1 missed :warning:" in text
    assert "no longer recurring · they lead" in text and "No meeting scheduled." in text
    assert [a for a, _, _ in home_buttons(view)] == [
        "schedule_open",
        "settings_open",
        "calendar_open",
        "agenda_open",
        "history_open",
    ]
