"""The question bank on the wire (issue 14, part 5): *Not useful* under a prompt's question retires it for the
pair, an outsider's click is refused, and the report's stress rising brings a wellbeing question."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.questions import BANK, Theme
from bot.slack.text import escape
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person, PulseCheck, QuestionRetired, QuestionShown
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    opened_form,
    pair_id,
    reply_of,
    reply_text,
    schedule_both_pairs,
    snapshot,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, add_people

PROMPT = "add your topics"  # in every pre-meeting prompt's text
NOT_USEFUL = "question_not_useful"
GOT_IT = "Got it: I won't suggest that question to the two of you again."
KEYS = {question.key for question in BANK}
TEXT_OF = {question.key: escape(question.text) for question in BANK}  # as a prompt shows it
THEME_OF = {escape(question.text): question.theme for question in BANK}  # as a prompt shows it


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def prompt_of_week(sessions: SessionFactory, settings: Settings, week: int) -> datetime:
    """The tick that asks Alice and Bob for topics for their 1:1 `week` weeks after the first (Tuesdays
    10:00 New York, asked 24 h ahead: the tick on the day itself, at 09:00 UTC, finds it due)."""
    at = START + timedelta(weeks=week)
    tick(sessions, settings, at)
    return at


def latest_prompt(emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    return bot_messages(emulator, user_id, PROMPT)[-1]


def question_in(message: dict[str, Any]) -> str:
    """The question a prompt suggests, as shown (escaped once)."""
    line = next(line for line in text_of(message).splitlines() if "Something to think about" in line)
    return line.split("*Something to think about:* _", 1)[1].removesuffix("_")


def click(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, message: dict[str, Any], **kw: Any
) -> list[str]:
    """`user_id` clicks *Not useful* in `message` (in their own DM): what the app answered them."""
    url = emulator.new_response_url()
    channel = kw.pop("channel", None) or emulator.open_dm(user_id)
    button = buttons(message)[NOT_USEFUL]
    response = slack.action(user_id, [button], channel_id=channel, message=message, response_url=url, **kw)
    assert response.status_code == 200
    return [post.payload["text"] for post in emulator.response_posts(url)]


def retired(sessions: SessionFactory) -> list[tuple[int, str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(QuestionRetired.pair_id, QuestionRetired.question_key, Person.slack_user_id).join(
                Person, Person.id == QuestionRetired.retired_by_id
            )
        )
        return [tuple(row) for row in rows]


def meeting_ids(sessions: SessionFactory) -> list[int]:
    with sessions() as session:
        return list(session.scalars(select(Meeting.id).order_by(Meeting.starts_at)))


def test_not_useful_in_a_prompt_retires_the_question_for_the_pair_for_good(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompt_of_week(sessions, settings, 0)
    prompt = latest_prompt(emulator, BOB)
    question = question_in(prompt)
    assert buttons(prompt)[NOT_USEFUL]["text"]["text"] == "Not useful"
    assert question_in(latest_prompt(emulator, ALICE)) == question  # the pair's question, for both

    assert click(slack, emulator, BOB, prompt) == [GOT_IT]
    with sessions() as session:
        first = session.get(Meeting, meeting_ids(sessions)[0])
        assert first is not None and first.question_key is not None
        key, pair = first.question_key, pair_id(session, ALICE, BOB)
    assert retired(sessions) == [(pair, key, BOB)]
    # Alice clicks it too, in her own copy: the same answer, nothing more stored.
    assert click(slack, emulator, ALICE, latest_prompt(emulator, ALICE)) == [GOT_IT]
    assert retired(sessions) == [(pair, key, BOB)]

    # Years of weekly prompts later, written straight into the pair's history: the first round is over and
    # the second has shown every question but the retired one and one more. The next prompt must be that
    # one (without the retirement, either of the two); the one after starts a third round without it.
    last = next(k for k in sorted(KEYS) if k != key)
    with sessions.begin() as session:
        for week, shown in enumerate([*sorted(KEYS - {key}), *sorted(KEYS - {key, last})], start=1):
            session.add(
                QuestionShown(pair_id=pair, question_key=shown, shown_at=START + timedelta(minutes=week))
            )
    to_both = []
    for week in (1, 2):
        prompt_of_week(sessions, settings, week)
        to_bob, to_alice = (question_in(latest_prompt(emulator, who)) for who in (BOB, ALICE))
        assert to_bob == to_alice
        to_both.append(to_bob)
    assert to_both[0] == TEXT_OF[last]
    assert question not in to_both


def test_an_outsiders_click_is_refused_and_stores_nothing(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    schedule_both_pairs(slack)  # Carol has a 1:1 of her own, with Dave
    prompt_of_week(sessions, settings, 0)
    prompt = latest_prompt(emulator, BOB)
    before = snapshot(sessions)
    # Carol replays Bob's button (his meeting's id) from her own DM.
    assert click(slack, emulator, CAROL, prompt) == [":warning: That 1:1 isn't one of yours."]
    assert snapshot(sessions) == before and retired(sessions) == []


def test_the_agenda_reply_has_the_button_and_the_read_only_agenda_modal_has_not(
    slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    prompt_of_week(sessions, settings, 0)
    question = question_in(latest_prompt(emulator, BOB))

    # The Home tab's Agenda is read only: the question, but no button (a click in a modal has no message
    # for the answer to go under).
    slack.home_opened(ALICE)
    with sessions() as session:
        pair = pair_id(session, ALICE, BOB)
    home_agenda = {"action_id": "agenda_open", "value": str(pair)}
    modal = opened_form(emulator, lambda: slack.home_action(ALICE, [home_agenda])).view
    assert question_in(modal) == question
    assert NOT_USEFUL not in buttons(modal)

    # `/1on1 agenda`: the same question, and Not useful works there too (an ephemeral message).
    agenda = reply_of(slack.command("agenda", user_id=BOB))
    assert question_in(agenda) == question
    ephemeral = {"type": "message", "message_ts": None, "channel_id": None, "is_ephemeral": True}
    assert click(slack, emulator, BOB, agenda, container=ephemeral) == [GOT_IT]
    assert len(retired(sessions)) == 1

    # Set aside, it is gone from this meeting's agenda too, for both of them.
    assert question not in text_of(reply_of(slack.command("agenda", user_id=BOB)))
    modal = opened_form(emulator, lambda: slack.home_action(ALICE, [home_agenda])).view
    assert question not in text_of(modal)


def test_the_reports_stress_rising_over_three_pulse_checks_brings_a_wellbeing_question(
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))  # Bob is the report

    def bob_checks_in(week: int, stressed: int) -> None:
        """Bob's pulse for that week's 1:1, as a tap on its check-in stores it (issue 14, part 1)."""
        with sessions.begin() as session:
            bob = session.scalars(select(Person).where(Person.slack_user_id == BOB)).one()
            meeting = session.get(Meeting, meeting_ids(sessions)[week])
            assert meeting is not None
            session.add(
                PulseCheck(
                    meeting_id=meeting.id,
                    pair_id=meeting.pair_id,
                    person_id=bob.id,
                    happy=3,
                    challenged=3,
                    stressed=stressed,
                    engaged=3,
                    updated_at=clock(),
                )
            )

    for week, stressed in enumerate((2, 3, 4)):
        clock.set(prompt_of_week(sessions, settings, week) + timedelta(minutes=5))
        bob_checks_in(week, stressed)
    themes = []
    for week in (3, 4):  # stress up three checks in a row, then higher still
        clock.set(prompt_of_week(sessions, settings, week) + timedelta(minutes=5))
        to_bob, to_alice = (question_in(latest_prompt(emulator, who)) for who in (BOB, ALICE))
        assert to_bob == to_alice
        themes.append(THEME_OF[to_bob])
        bob_checks_in(week, 5)
    # Two wellbeing questions in a row: the usual turns never give one theme twice running.
    assert themes == [Theme.WELLBEING, Theme.WELLBEING]
