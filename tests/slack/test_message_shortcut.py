"""The "Add to 1:1 agenda" message shortcut, end to end: a message in a channel becomes a topic with a link
back to it, through signed requests and Socket Mode into the real app, and the Slack emulator out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.config import Settings
from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.services.topics import message_quote, message_topic_text
from bot.slack import ids
from bot.slack.blocks.message_topic_modal import RADIO_MAX, Origin
from bot.store.db import SessionFactory
from bot.store.models import Topic
from emulator.forms import ModalForm, NotSubmittable
from emulator.payloads import slack_text
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.slack.helpers import (
    bot_messages,
    opened_form,
    pair_id,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

CHANNEL = "CPLANNING1"  # a public channel the bot is not in
OWN_LINE, WHICH = "A line of your own", "Which 1:1?"
TYPED = "R&D <budget> is frozen until Q3"  # what the colleague typed
PROMPT_AT = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a day before Thursday 10:00 in New York


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)
    emulator.add_channel(CHANNEL, members=[ALICE, BOB, CAROL, DAVE], name="planning")


@pytest.fixture
def bob_meets_alice(slack: SlackSender) -> SlackSender:
    reply_text(slack.command(f"schedule <@{BOB}> weekly thu 10:00", user_id=ALICE))
    return slack


def posted(emulator: SlackEmulator, typed: str = TYPED, channel: str = CHANNEL, **kw: Any) -> dict[str, Any]:
    """Carol's message in `channel`, as Slack stores it (what she typed, escaped)."""
    return emulator.add_message(channel, CAROL, slack_text(typed), **kw)


def shortcut_form(
    slack: SlackSender, emulator: SlackEmulator, user: str, message: dict[str, Any], channel: str = CHANNEL
) -> ModalForm:
    return opened_form(
        emulator, lambda: slack.message_shortcut(user, ids.ADD_TO_AGENDA_SHORTCUT, message, channel)
    )


def shown(view: dict[str, Any]) -> str:
    """Every text of a view's blocks, as the person sees them (mrkdwn as sent)."""
    return text_of({"blocks": view["blocks"]})


def topics(sessions: SessionFactory) -> list[Topic]:
    with sessions() as session:
        return list(session.scalars(select(Topic).order_by(Topic.id)))


def permalink(ts: str, channel: str = CHANNEL) -> str:
    return f"https://testteam.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def updated_view(response: Any) -> dict[str, Any]:
    """The view a submission's ack turned the modal into."""
    body = response.json()
    assert body["response_action"] == "update", body
    return body["view"]


def errors_of(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def test_a_message_in_a_channel_the_bot_is_not_in_becomes_a_topic_with_its_link(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory, settings: Settings
) -> None:
    slack = bob_meets_alice
    message = posted(emulator)
    form = shortcut_form(slack, emulator, BOB, message)
    # The quote as Carol meant it, escaped once; whose 1:1 it goes to; no picker for a single 1:1.
    assert "R&amp;D &lt;budget&gt; is frozen until Q3" in shown(form.view)
    assert "&amp;amp;" not in shown(form.view)
    assert f"From <@{CAROL}>" in shown(form.view) and f"1:1 with <@{ALICE}>" in shown(form.view)
    assert form.labels == [OWN_LINE]

    confirmed = updated_view(submit_form(slack, BOB, form))
    assert f"Added to the agenda of your 1:1 with <@{ALICE}>" in shown(confirmed)
    assert "R&amp;D &lt;budget&gt;" in shown(confirmed) and confirmed.get("submit") is None

    [topic] = topics(sessions)
    assert topic.text == "“R&D <budget> is frozen until Q3”"  # stored as meant
    assert topic.link == permalink(message["ts"])
    assert topic.source == f"shortcut:{CHANNEL}:{message['ts']}:{BOB}"
    with sessions() as session:
        assert topic.pair_id == pair_id(session, ALICE, BOB)
    [call] = emulator.calls("chat.getPermalink")
    assert (call.args["channel"], call.args["message_ts"]) == (CHANNEL, message["ts"])

    # Alice sees it on the agenda and in her prompt, escaped once, with the link back.
    agenda = reply_text(slack.command("agenda", user_id=ALICE))
    assert (
        f"“R&amp;D &lt;budget&gt; is frozen until Q3” — <@{BOB}> (<{permalink(message['ts'])}|message>)"
        in agenda
    )
    tick(sessions, settings, PROMPT_AT)
    [prompt] = bot_messages(emulator, ALICE, "R&amp;D")
    assert f"<{permalink(message['ts'])}|message>" in text_of(prompt)


def test_a_line_of_ones_own_comes_first_and_the_quote_is_cut_to_fit(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    message = posted(emulator, "word " * 400 + "& the end")  # 2,009 characters
    form = shortcut_form(slack, emulator, BOB, message)
    own = "Can we talk about what this means for the hiring plan? " * 6  # 342 characters
    submit_form(slack, BOB, form.fill(OWN_LINE, own))
    [topic] = topics(sessions)
    assert topic.text.startswith(own.strip() + " “word word")
    assert topic.text.endswith("…”") and len(topic.text) <= TOPIC_MAX_CHARS


def test_a_line_too_long_for_a_topic_is_refused_on_its_field_and_nothing_is_stored(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    form = shortcut_form(slack, emulator, BOB, posted(emulator))
    with pytest.raises(NotSubmittable):  # Slack's client holds the form back (max_length)...
        submit_form(slack, BOB, form.fill(OWN_LINE, "x" * (TOPIC_MAX_CHARS + 1)))
    before = snapshot(sessions)
    form.forge(OWN_LINE, "x" * (TOPIC_MAX_CHARS + 1))  # ...and a crafted client is refused by the app
    errors = errors_of(slack.submit(BOB, form.view, form.state_values(unchecked=True)))
    assert "limit is 500" in errors["message_topic_own_line"]
    assert snapshot(sessions) == before


def test_with_several_1on1s_the_person_picks_one(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    reply_text(slack.command(f"schedule <@{BOB}> weekly fri 09:00", user_id=CAROL))
    form = shortcut_form(slack, emulator, BOB, posted(emulator))
    assert form.labels == [WHICH, OWN_LINE]
    with pytest.raises(NotSubmittable):  # which 1:1 is required
        submit_form(slack, BOB, form)
    confirmed = updated_view(submit_form(slack, BOB, form.choose(WHICH, f"<@{CAROL}>")))
    assert f"your 1:1 with <@{CAROL}>" in shown(confirmed)
    [topic] = topics(sessions)
    with sessions() as session:
        assert topic.pair_id == pair_id(session, BOB, CAROL)


def test_with_more_1on1s_than_radio_buttons_hold_the_person_is_picked(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    team = [f"UTEAM{n:04d}" for n in range(RADIO_MAX)]  # with Alice, one more than radio buttons take
    for number, member in enumerate(team):
        emulator.add_user(member, tz="Europe/Berlin")
        reply_text(slack.command(f"schedule <@{member}> weekly fri {8 + number % 8:02d}:00", user_id=BOB))
    form = shortcut_form(slack, emulator, BOB, posted(emulator))
    assert form.field(WHICH).type == "users_select"
    before = snapshot(sessions)
    errors = errors_of(submit_form(slack, BOB, form.choose_user(WHICH, DAVE)))
    assert errors == {"message_topic_pair": "You don't have a 1:1 with that person. Pick one you have."}
    assert snapshot(sessions) == before
    confirmed = updated_view(submit_form(slack, BOB, form.choose_user(WHICH, team[-1])))
    assert f"your 1:1 with <@{team[-1]}>" in shown(confirmed)
    [topic] = topics(sessions)
    with sessions() as session:
        assert topic.pair_id == pair_id(session, BOB, team[-1])


def test_a_crafted_pair_of_someone_elses_is_refused_and_nothing_is_stored(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    reply_text(slack.command(f"schedule <@{BOB}> weekly fri 09:00", user_id=CAROL))
    reply_text(slack.command(f"schedule <@{DAVE}> weekly mon 09:00", user_id=ALICE))
    with sessions() as session:
        foreign = pair_id(session, ALICE, DAVE)
    form = shortcut_form(slack, emulator, BOB, posted(emulator))
    before = snapshot(sessions)
    form.forge(WHICH, {"text": {"type": "mrkdwn", "text": "x"}, "value": str(foreign)})
    errors = errors_of(slack.submit(BOB, form.view, form.state_values(unchecked=True)))
    assert errors == {"message_topic_pair": "That 1:1 isn't one of yours."}
    assert snapshot(sessions) == before


def test_crafted_metadata_naming_someone_elses_pair_attaches_nothing(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    reply_text(slack.command(f"schedule <@{DAVE}> weekly mon 09:00", user_id=CAROL))
    with sessions() as session:
        foreign = pair_id(session, CAROL, DAVE)
    message = posted(emulator)
    form = shortcut_form(slack, emulator, BOB, message)  # Bob's only 1:1 is in the metadata
    metadata = json.loads(form.view["private_metadata"])
    before = snapshot(sessions)
    for crafted in ({**metadata, "pair": foreign}, {**metadata, "channel": "not a channel"}, "{[", "7"):
        view = form.forged(private_metadata=crafted if isinstance(crafted, str) else json.dumps(crafted))
        errors = errors_of(slack.submit(BOB, view, form.state_values()))
        assert list(errors) == ["message_topic_own_line"]
    assert snapshot(sessions) == before


def test_the_same_message_added_twice_is_one_topic(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    message = posted(emulator)
    first, second = (shortcut_form(slack, emulator, BOB, message) for _ in range(2))
    updated_view(submit_form(slack, BOB, first))
    again = updated_view(submit_form(slack, BOB, second.fill(OWN_LINE, "Again")))
    assert f"You already added this message to your 1:1 with <@{ALICE}>" in shown(again)
    # Using the shortcut on it a third time says so straight away, with nothing to submit.
    third = shortcut_form(slack, emulator, BOB, message)
    assert "already added this message" in shown(third.view) and third.view.get("submit") is None
    [topic] = topics(sessions)
    assert topic.text == "“R&D <budget> is frozen until Q3”"
    assert len(emulator.calls("chat.getPermalink")) == 1  # the link came with the first


def test_when_slack_gives_no_permalink_the_topic_is_still_added_without_a_link(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    form = shortcut_form(slack, emulator, BOB, posted(emulator))
    emulator.fail_next("chat.getPermalink", status=500, times=3)
    confirmed = updated_view(submit_form(slack, BOB, form))
    assert f"Added to the agenda of your 1:1 with <@{ALICE}>" in shown(confirmed)
    [topic] = topics(sessions)
    assert topic.text == "“R&D <budget> is frozen until Q3”" and topic.link is None
    assert len(emulator.calls("chat.getPermalink")) == 3  # tried, a moment apart, then let be
    agenda = reply_text(slack.command("agenda", user_id=ALICE))
    assert "R&amp;D &lt;budget&gt;" in agenda and "|message>" not in agenda


def test_a_brief_slack_failure_is_retried_and_the_link_arrives(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    message = posted(emulator)
    form = shortcut_form(slack, emulator, BOB, message)
    emulator.fail_next("chat.getPermalink", status=503)
    submit_form(slack, BOB, form)
    [topic] = topics(sessions)
    assert topic.link == permalink(message["ts"])
    assert [c.http_status for c in emulator.calls("chat.getPermalink")] == [503, 200]


def test_a_message_in_a_private_channel_the_bot_is_not_in_is_added_without_a_link(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    emulator.add_private_channel("CSECRET01", members=[BOB, CAROL])
    message = posted(emulator, channel="CSECRET01")
    submit_form(slack, BOB, shortcut_form(slack, emulator, BOB, message, channel="CSECRET01"))
    [topic] = topics(sessions)
    assert topic.link is None
    [call] = emulator.calls("chat.getPermalink")  # channel_not_found is an answer, not a hiccup
    assert call.response["error"] == "channel_not_found"


def test_a_reply_in_a_thread_links_to_the_reply_in_its_thread(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    parent = posted(emulator, "Budget thread")
    reply = posted(
        emulator, "Mention <@UALICE01> and a <https://example.com/doc|doc>", thread_ts=parent["ts"]
    )
    form = shortcut_form(slack, emulator, BOB, reply)
    assert f"<@{ALICE}>" in shown(form.view)  # a mention stays live in the quote
    submit_form(slack, BOB, form)
    [topic] = topics(sessions)
    assert topic.text == f"“Mention <@{ALICE}> and a doc (https://example.com/doc)”"
    assert topic.link == permalink(reply["ts"]) + f"?thread_ts={parent['ts']}&cid={CHANNEL}"


def test_a_message_without_text_needs_a_line_of_ones_own(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    message = {**posted(emulator), "text": ""}  # e.g. a file shared without a comment
    form = shortcut_form(slack, emulator, BOB, message)
    assert "No text to quote" in shown(form.view)
    with pytest.raises(NotSubmittable):
        submit_form(slack, BOB, form)
    submit_form(slack, BOB, form.fill(OWN_LINE, "The slides Carol shared"))
    [topic] = topics(sessions)
    assert topic.text == "The slides Carol shared" and topic.link == permalink(message["ts"])


def test_someone_without_1on1s_is_told_how_to_start_one_and_nothing_is_stored(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    before = snapshot(sessions)
    form = shortcut_form(slack, emulator, DAVE, posted(emulator))
    assert "You don't have any 1:1s yet" in shown(form.view)
    assert "/1on1 schedule" in shown(form.view)
    [button] = [e for b in form.view["blocks"] for e in b.get("elements") or [] if e.get("type") == "button"]
    assert button["action_id"] == ids.SCHEDULE_OPEN.action_id
    assert form.view.get("submit") is None and form.labels == []
    assert snapshot(sessions) == before
    assert emulator.calls("chat.getPermalink") == []


def test_when_slack_refuses_the_modal_the_person_is_told(
    bob_meets_alice: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    slack = bob_meets_alice
    emulator.fail_next("views.open", status=200, error="internal_error")
    url = emulator.new_response_url()
    slack.message_shortcut(BOB, ids.ADD_TO_AGENDA_SHORTCUT, posted(emulator), CHANNEL, response_url=url)
    [post] = emulator.response_posts(url)
    assert "the form didn't open" in post.payload["text"]
    assert post.payload.get("response_type") == "ephemeral"
    assert topics(sessions) == []


# ---------------------------------------------------------------- the rules, without Slack


def test_the_topic_is_the_persons_line_then_the_quote() -> None:
    assert message_topic_text("", "Budget is frozen") == "“Budget is frozen”"
    assert message_topic_text("Can we talk?", "Budget is frozen") == "Can we talk? “Budget is frozen”"
    assert message_topic_text("Budget", "It is frozen") == "Budget: “It is frozen”"
    assert message_topic_text("Slides from Carol", "") == "Slides from Carol"


def test_the_quote_is_cut_never_the_line_and_left_out_when_no_room_is_worth_it() -> None:
    own = "x" * 400
    text = message_topic_text(own, "word " * 200)
    assert text.startswith(own + ": “word") and text.endswith("word…”") and len(text) <= TOPIC_MAX_CHARS
    no_room = "y" * (TOPIC_MAX_CHARS - 10)
    assert message_topic_text(no_room, "a long quote that cannot fit") == no_room
    assert message_topic_text(no_room, "fits") == no_room + ": “fits”"


def test_a_cut_never_splits_a_mention() -> None:
    quote = "a" * 490 + f" <@{ALICE}> said so"  # the cut falls inside the mention
    text = message_topic_text("", quote)
    assert "<@" not in text and text.endswith("a…”")


@given(own=st.text(max_size=TOPIC_MAX_CHARS), quote=st.text(max_size=2000))
def test_any_line_and_message_make_a_topic_within_the_limit(own: str, quote: str) -> None:
    own = " ".join(own.split())
    text = message_topic_text(own, message_quote(quote))
    assert len(text) <= TOPIC_MAX_CHARS
    assert text.startswith(own)


def test_a_quote_is_one_line_within_the_topic_limit() -> None:
    assert message_quote("Line one\n\n  line\ttwo\x00") == "Line one line two"
    assert len(message_quote("z" * 5000)) == TOPIC_MAX_CHARS - 2


def test_metadata_reads_back_only_what_it_wrote() -> None:
    origin = Origin(CHANNEL, "1700000000.000100", "“Quoted” \\ text", 42)
    assert Origin.decode(origin.encode()) == origin
    assert Origin.decode(Origin(CHANNEL, "1700000000.000100", "").encode()) == Origin(
        CHANNEL, "1700000000.000100", ""
    )
    good = json.loads(origin.encode())
    for crafted in (
        {**good, "pair": True},
        {**good, "pair": -1},
        {**good, "pair": "42"},
        {**good, "pair": 2**31},
        {**good, "channel": "C1:x"},
        {**good, "ts": "now"},
        {**good, "quote": "q" * (TOPIC_MAX_CHARS + 1)},
        {**good, "quote": None},
        [good],
    ):
        assert Origin.decode(json.dumps(crafted)) is None, crafted
    assert Origin.decode("[" * 1500) is None
    assert Origin.decode(None) is None
