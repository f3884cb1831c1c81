"""The pulse, end to end: the check-in in the prompts the bot really sent, tapped as Slack sends a tap, the
trend in both people's prompts, agenda and Home tab, and nowhere else: not to a third person, not in a
channel, not in the logs, not in the outbox.

Alice (New York) leads a weekly 1:1 with Bob (Berlin) on Tuesdays at 10:00 her time (15:00 UTC); Carol
(Tokyo) leads one with Dave.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.pulse import BARS, Feeling
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, PulseCheck
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    opened_form,
    posts_to,
    reply_text,
    schedule_both_pairs,
    snapshot,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, add_people

FIRST = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 in New York
PROMPT = "add your topics"  # in every pre-meeting prompt's text
CHECK_IN = "How are you doing?"  # the check-in's heading, in a prompt that offers it
WHO_SEES = "Only you two see this, as a trend. Optional; change it until the meeting starts."
PULSE = "Pulse check-in"  # the Settings field
AS_REPORT = "Offer me the pulse check-in in 1:1s with my manager"
AS_MANAGER = "…in 1:1s I lead"
STRESS_UP = "stress up three meetings in a row"
# Bob's four weeks: (happy, challenged, stressed, engaged); stress rises each week after the first.
WEEKS = ((4, 3, 2, 4), (4, 3, 3, 4), (3, 4, 4, 3), (3, 4, 5, 3))
# The trend as shown (a bar of a sparkline, a run in words); for logs also a tap's value ("12:stressed:4").
_TREND = re.compile("|".join([*map(re.escape, BARS.values()), "in a row"]))
_SCORE = re.compile(f"{_TREND.pattern}|" + r"\d+:(?:happy|challenged|stressed|engaged):\d")


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def meeting_start(week: int) -> datetime:
    return FIRST + timedelta(weeks=week)


def prompted(sessions: SessionFactory, settings: Settings, clock: FakeClock, week: int) -> None:
    """The clock reaches the prompt of the week's meeting (a day ahead, or now) and the tick sends it."""
    clock.set(max(START, meeting_start(week) - timedelta(days=1)))
    tick(sessions, settings, clock.now)


def latest_prompt(emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    return bot_messages(emulator, user_id, PROMPT)[-1]


def tap_button(message: dict[str, Any], feeling: Feeling, score: int) -> dict[str, Any]:
    """The button a person taps for `score` on the row of `feeling`, as the message shows it."""
    row = next(block for block in message["blocks"] if block.get("block_id") == f"pulse_{feeling.value}")
    return next(element for element in row["elements"] if element["text"]["text"] == str(score))


def chosen(message: dict[str, Any]) -> dict[str, str]:
    """Per feeling row, the score shown chosen (the primary button)."""
    return {
        block["block_id"].removeprefix("pulse_"): element["text"]["text"]
        for block in message["blocks"]
        if block.get("block_id", "").startswith("pulse_")
        for element in block["elements"]
        if element.get("style") == "primary"
    }


def click(
    slack: SlackSender,
    emulator: SlackEmulator,
    user_id: str,
    message: dict[str, Any],
    button: dict[str, Any],
    **kw: Any,
) -> list[dict[str, Any]]:
    """`user_id` clicks `button` in `message` of their DM; what the bot posted to the click's response_url."""
    url = emulator.new_response_url()
    dm = emulator.open_dm(user_id)
    response = slack.action(user_id, [button], channel_id=dm, message=message, response_url=url, **kw)
    assert response.status_code == 200
    return [post.payload for post in emulator.response_posts(url) if post.http_status == 200]


def tap(
    slack: SlackSender,
    emulator: SlackEmulator,
    user_id: str,
    message: dict[str, Any],
    feeling: Feeling,
    score: int,
) -> dict[str, Any]:
    """A tap in `message`: the message that replaced it."""
    (answer,) = click(slack, emulator, user_id, message, tap_button(message, feeling, score))
    assert answer["replace_original"] is True
    return answer


def check_in(
    slack: SlackSender, emulator: SlackEmulator, scores: tuple[int, int, int, int]
) -> dict[str, Any]:
    """Bob taps each feeling of his latest prompt, each tap in the message the last one left."""
    message = latest_prompt(emulator, BOB)
    for feeling, score in zip(Feeling, scores, strict=True):
        message = {**message, **tap(slack, emulator, BOB, message, feeling, score)}
    return message


def block_texts(message: dict[str, Any]) -> list[str]:
    """Each block's text, and its buttons' (text, value, style)."""
    return [
        text_of({"blocks": [block]})
        + json.dumps(
            [
                (e["text"]["text"], e.get("value"), e.get("style"))
                for e in block.get("elements", [])
                if e.get("type") == "button"
            ]
        )
        for block in message["blocks"]
    ]


def stored(sessions: SessionFactory) -> list[tuple[str, int | None, int | None, int | None, int | None]]:
    with sessions() as session:
        people = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        return [
            (people[c.person_id], c.happy, c.challenged, c.stressed, c.engaged)
            for c in session.scalars(select(PulseCheck).order_by(PulseCheck.id))
        ]


def home_of(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> str:
    slack.home_opened(user_id)
    view = emulator.home_view(user_id)
    assert view is not None
    return text_of(view)


def agenda_modal(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> str:
    """`user_id` clicks *Agenda* on their Home tab: the text of the modal it opens."""
    view = emulator.home_view(user_id)
    assert view is not None
    button = buttons(view)["agenda_open"]
    return text_of(opened_form(emulator, lambda: slack.home_action(user_id, [button])).view)


def open_settings(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> Any:
    return opened_form(emulator, lambda: slack.command("settings", user_id=user_id))


# --- the trend, and who sees it ----------------------------------------------------------------------------


def test_the_pulse_trend_is_seen_by_the_pair_and_no_one_else(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    schedule_both_pairs(slack)
    for user_id in (ALICE, BOB, CAROL):
        home_of(slack, emulator, user_id)
    for week, scores in enumerate(WEEKS):
        prompted(sessions, settings, clock, week)
        check_in(slack, emulator, scores)
    prompted(sessions, settings, clock, len(WEEKS))

    # Both of the pair see the trend: in the new prompts, the agenda reply, the Home tab and its agenda.
    seen = {
        user_id: [
            text_of(latest_prompt(emulator, user_id)),
            reply_text(slack.command("agenda", user_id=user_id)),
            home_of(slack, emulator, user_id),
            agenda_modal(slack, emulator, user_id),
        ]
        for user_id in (ALICE, BOB)
    }
    for user_id, texts in seen.items():
        for text in texts:
            assert "stressed `▃▄▆█`" in text and "happy `▆▆▄▄`" in text, (user_id, text)
            assert "engaged `▆▆▄▄`" in text and "challenged `▄▄▆▆`" in text
            assert STRESS_UP in text and "over the last 4 meetings" in text
    assert "Your pulse" in seen[BOB][0] and f"<@{BOB}>'s pulse" in seen[ALICE][0]
    # Bob's new prompt offers this week's check-in afresh; Alice (who leads) is offered none.
    assert CHECK_IN in seen[BOB][0] and CHECK_IN not in seen[ALICE][0]

    # Carol sees nothing of it: her prompts, her agenda, her Home tab, anything sent to her.
    prompted(sessions, settings, clock, len(WEEKS) + 1)
    carols = [
        reply_text(slack.command("agenda", user_id=CAROL)),
        reply_text(slack.command(f"agenda <@{BOB}>", user_id=CAROL)),
        home_of(slack, emulator, CAROL),
        *(json.dumps(m, ensure_ascii=False) for m in posts_to(emulator, CAROL)),
    ]
    assert any(PROMPT in text for text in carols)  # she was prompted for her own 1:1 meanwhile
    assert [text for text in carols if _SCORE.search(text) or "pulse" in text.lower()] == []
    # No message with the trend went anywhere but Alice's or Bob's DM (not a channel, not a group DM).
    theirs = {emulator.dm_channel_for(ALICE), emulator.dm_channel_for(BOB)}
    with_scores = [
        call.args.get("channel")
        for call in emulator.calls()
        if call.method.startswith("chat.") and _TREND.search(json.dumps(call.args, ensure_ascii=False))
    ]
    assert with_scores and set(with_scores) <= theirs
    # Not in the outbox's rows (a message reads the pulse when it is delivered), not in any log line.
    with sessions() as session:
        params = [json.dumps(row.params) for row in session.scalars(select(OutboxMessage))]
    assert params and not [p for p in params if _SCORE.search(p) or "pulse" in p]
    assert [line for line in _log_lines(caplog) if _SCORE.search(line)] == []


def _log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured line but slack-sdk's own DEBUG wire trace (every request body it sends, so every
    message: silent at INFO, where `python -m bot` logs; see tests/slack/test_privacy.py)."""
    return [
        caplog.handler.format(record)
        for record in caplog.records
        if not (record.name.startswith("slack_sdk.") and record.levelno == logging.DEBUG)
    ]


# --- a tap ------------------------------------------------------------------------------------------------


def test_a_tap_replaces_the_prompt_with_itself_the_score_shown_chosen_and_can_change_it(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command("add-topic Career growth", user_id=BOB))
    prompted(sessions, settings, clock, 0)
    prompt = latest_prompt(emulator, BOB)
    assert WHO_SEES in text_of(prompt) and chosen(prompt) == {}
    assert "agenda_add_topic" in buttons(prompt)  # the agenda's own button, below the check-in

    replaced = tap(slack, emulator, BOB, prompt, Feeling.STRESSED, 4)
    assert chosen(replaced) == {"stressed": "4"}
    # The whole prompt, not only the check-in: the header, the agenda and its topics, the buttons; and now
    # the trend, which holds this week's answer.
    gone = [text for text in block_texts(prompt) if text not in block_texts(replaced)]
    added = [text for text in block_texts(replaced) if text not in block_texts(prompt)]
    value = tap_button(prompt, Feeling.STRESSED, 4)["value"]
    assert len(gone) == 1 and f'["4", "{value}", null]' in gone[0]  # the row tapped, as it was
    # The trend in the agenda, then the tapped row in the check-in below it.
    assert len(added) == 2 and f'["4", "{value}", "primary"]' in added[1]
    assert "Your pulse" in added[0] and "stressed `▆`" in added[0]
    assert [b["type"] for b in replaced["blocks"] if b["type"] != "context"] == [
        b["type"] for b in prompt["blocks"] if b["type"] != "context"
    ]
    assert "Career growth" in text_of(replaced) and f"Your 1:1 with <@{ALICE}>" in text_of(replaced)
    assert stored(sessions) == [(BOB, None, None, 4, None)]

    # Changed before the meeting: the new score replaces the old one.
    clock.set(FIRST - timedelta(minutes=1))
    again = tap(slack, emulator, BOB, {**prompt, **replaced}, Feeling.STRESSED, 2)
    assert chosen(again) == {"stressed": "2"}
    again = tap(slack, emulator, BOB, {**prompt, **again}, Feeling.HAPPY, 5)
    assert chosen(again) == {"happy": "5", "stressed": "2"}
    assert stored(sessions) == [(BOB, 5, None, 2, None)]
    # The trend already holds this week's answers, for both to see.
    assert "stressed `▃`" in text_of(again) and "Your pulse" in text_of(again)


def test_a_redelivered_tap_is_harmless(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompted(sessions, settings, clock, 0)
    prompt = latest_prompt(emulator, BOB)
    button = tap_button(prompt, Feeling.ENGAGED, 3)
    first = click(slack, emulator, BOB, prompt, button, trigger_id="7.7.pulse")
    retried = click(slack, emulator, BOB, prompt, button, trigger_id="7.7.pulse", retry_num=1)
    assert chosen(first[0]) == {"engaged": "3"} and retried == []  # Slack's retry: recognised, no effect
    twice = click(slack, emulator, BOB, prompt, button)  # a person tapping it twice
    assert chosen(twice[0]) == {"engaged": "3"}
    assert stored(sessions) == [(BOB, None, None, None, 3)]


def test_a_tap_after_the_meeting_started_is_refused_and_stores_nothing(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompted(sessions, settings, clock, 0)
    prompt = latest_prompt(emulator, BOB)
    clock.set(FIRST + timedelta(minutes=5))
    before = snapshot(sessions)
    (answer,) = click(slack, emulator, BOB, prompt, tap_button(prompt, Feeling.STRESSED, 5))
    assert answer["replace_original"] is False and answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        ":warning: This 1:1 has started, so its check-in is closed. The next prompt brings a new one."
    )
    assert snapshot(sessions) == before


def test_an_outsiders_tap_with_real_ids_is_refused_and_changes_nothing(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    schedule_both_pairs(slack)
    prompted(sessions, settings, clock, 0)
    bobs = latest_prompt(emulator, BOB)
    before = snapshot(sessions)
    # Carol taps a button carrying Bob's real meeting, in a message of her own.
    carols = bot_messages(emulator, CAROL, "")[-1]
    (answer,) = click(slack, emulator, CAROL, carols, tap_button(bobs, Feeling.STRESSED, 5))
    assert answer["text"] == ":warning: That 1:1 isn't one of yours."
    assert answer["replace_original"] is False
    # Alice is one of the pair, but leads it and never turned her own check-in on.
    (answer,) = click(
        slack, emulator, ALICE, latest_prompt(emulator, ALICE), tap_button(bobs, Feeling.HAPPY, 1)
    )
    assert answer["text"] == (
        ":warning: The pulse check-in is off for you in this 1:1. "
        "You can turn it on in Settings (`/1on1 settings`)."
    )
    assert snapshot(sessions) == before


# --- settings ---------------------------------------------------------------------------------------------


def test_turning_it_off_in_settings_removes_the_check_in_from_the_next_prompt(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompted(sessions, settings, clock, 0)
    check_in(slack, emulator, (4, 3, 2, 4))
    assert CHECK_IN in text_of(latest_prompt(emulator, BOB))

    form = open_settings(slack, emulator, BOB)
    assert [o["text"]["text"] for o in form.field(PULSE).value] == [AS_REPORT]  # the default
    saved = submit_form(slack, BOB, form.uncheck(PULSE, AS_REPORT)).json()
    assert "Pulse check-in: off" in text_of({"blocks": saved["view"]["blocks"]})
    with sessions() as session:
        bob = session.scalars(select(Person).where(Person.slack_user_id == BOB)).one()
        assert (bob.pulse_as_report, bob.pulse_as_manager) == (False, False)

    prompted(sessions, settings, clock, 1)
    prompt = latest_prompt(emulator, BOB)
    assert CHECK_IN not in text_of(prompt) and not [
        b for b in prompt["blocks"] if "pulse_" in b.get("block_id", "")
    ]
    # What he gave last week stays the pair's: the trend still shows it, to both.
    for user_id in (BOB, ALICE):
        assert "stressed `▃`" in text_of(latest_prompt(emulator, user_id))


def test_the_manager_gets_the_check_in_only_when_they_turn_it_on(
    slack: SlackSender,
    emulator: SlackEmulator,
    sessions: SessionFactory,
    settings: Settings,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompted(sessions, settings, clock, 0)
    assert CHECK_IN not in text_of(latest_prompt(emulator, ALICE))

    form = open_settings(slack, emulator, ALICE)
    saved = submit_form(slack, ALICE, form.check(PULSE, AS_MANAGER)).json()
    assert "Pulse check-in: in 1:1s with your manager and in 1:1s you lead" in text_of(
        {"blocks": saved["view"]["blocks"]}
    )
    assert [o["text"]["text"] for o in open_settings(slack, emulator, ALICE).field(PULSE).value] == [
        AS_REPORT,
        AS_MANAGER,
    ]

    prompted(sessions, settings, clock, 1)
    prompt = latest_prompt(emulator, ALICE)
    assert CHECK_IN in text_of(prompt)
    replaced = tap(slack, emulator, ALICE, prompt, Feeling.CHALLENGED, 5)
    assert chosen(replaced) == {"challenged": "5"} and "Your pulse" in text_of(replaced)
    assert stored(sessions) == [(ALICE, None, 5, None, None)]
    reply = reply_text(slack.command("agenda", user_id=BOB))
    assert f"<@{ALICE}>'s pulse" in reply and "challenged `█`" in reply
