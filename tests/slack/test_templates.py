"""Topic templates end to end (issue 14, part 2): a kind picked in the add-topic form or by a keyword, its
prompts in both agendas, one input per step in the summary form, the outcomes in the posted summary; a
performance concern only the manager raises, held back from the report until the meeting starts or until
its author clicks *Share now*.

Alice (New York) leads a weekly 1:1 with Bob (Berlin) on Thursdays at 10:00 her time: the first one is on
Thursday 3 December at 15:00 UTC, so nobody is asked for topics before 2 December at 15:00 UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.delivery.claims import HOME_MIN_INTERVAL
from bot.domain.templates import CONCERN_MANAGER_ONLY, TopicKind, steps_of
from bot.services.agenda import TopicLine
from bot.services.messages.summary import StepOutcome, SummaryView, TopicOutcomes
from bot.services.summaries import SummaryForm
from bot.slack.blocks.summary import summary_message
from bot.slack.blocks.summary_modal import (
    MAX_TOPIC_BLOCKS,
    action_rows,
    extra_blocks,
    max_rows,
    outcome_topics,
    summary_modal,
)
from bot.slack.ids import ACTION_SLOTS, MAX_ACTION_SLOTS
from bot.store.db import SessionFactory
from bot.store.models import Summary, TemplateOutcome, Topic
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    COVERED_TOPICS,
    NEW_TOPIC,
    bot_messages,
    buttons,
    opened_form,
    reply_text,
    snapshot,
    submit_form,
    text_of,
    tick,
    wait_for_post,
)
from tests.slack.people import ALICE, BOB, CAROL, add_people

FIRST = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # Thu 10:00 New York, 16:00 Berlin
FIRST_END = FIRST + timedelta(minutes=30)
PROMPTED = FIRST - timedelta(hours=24)  # both are asked for topics a day ahead
PROMPT = ": add your topics."  # in the prompt's fallback text: "Your 1:1 with … is …: add your topics."
GROW = "GROW coaching (goal, reality, options, will)"  # the form's menu
GROW_PROMPTS = [
    "_Goal:_ What do you want to achieve, and how will you know you got there?",
    "_Reality:_ Where are things now? What have you tried, and what's in the way?",
    "_Options:_ What could you do? A few ways forward before picking one.",
    "_Will:_ What will you do next, by when, and how sure are you that you will?",
]
HELD = ":lock: _only you until the meeting_"
NOT_YOURS = ":warning: That 1:1 isn't one of yours."


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def weekly(slack: SlackSender) -> None:
    reply_text(slack.command(f"schedule <@{BOB}> weekly thu 10:00", user_id=ALICE))


def open_home(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    slack.home_opened(user_id, emulator.open_dm(user_id), view=emulator.home_view(user_id))
    view = emulator.home_view(user_id)
    assert view is not None
    return view


def home_button(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        {"action_id": e["action_id"], "value": e["value"]}
        for block in view["blocks"]
        if block["type"] == "actions"
        for e in block["elements"]
        if e["action_id"] == action_id
    )


def add_topic_form(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks *Add a topic* on their Home tab: the form they see."""
    view = open_home(slack, emulator, user_id)
    button = home_button(view, "home_add_topic")
    return opened_form(emulator, lambda: slack.action(user_id, [button], view=view))


def prompt_to(emulator: SlackEmulator, user_id: str) -> dict[str, Any]:
    return wait_for_post(emulator, user_id, PROMPT)


def agenda_of(slack: SlackSender, user_id: str) -> dict[str, Any]:
    """`/1on1 agenda` as `user_id` sees it (an ephemeral reply)."""
    response = slack.command("agenda", user_id=user_id)
    assert response.status_code == 200
    return dict(response.json())


def open_summary_form(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks "Write the summary" in their latest "How did your 1:1 go?"."""
    follow_up = bot_messages(emulator, user_id, "How did your 1:1")[-1]

    def click() -> None:
        channel = emulator.dm_channel_for(user_id)
        button = buttons(follow_up)["summary_open"]
        assert slack.action(user_id, [button], channel_id=channel, message=follow_up).status_code == 200

    return opened_form(emulator, click)


def click_share(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, value: str, message: dict[str, Any]
) -> list[dict[str, Any]]:
    """`user_id` clicks *Share now* (with `value`) under `message`: what the response_url was told."""
    url = emulator.new_response_url()
    button = {"action_id": "topic_share", "value": value}
    channel = emulator.open_dm(user_id)
    assert (
        slack.action(user_id, [button], channel_id=channel, message=message, response_url=url).status_code
        == 200
    )
    return [post.payload for post in emulator.response_posts(url)]


def share_button(message: dict[str, Any]) -> dict[str, Any] | None:
    return buttons(message).get("topic_share")


def kinds(sessions: SessionFactory) -> list[tuple[str, TopicKind, bool]]:
    with sessions() as session:
        return [(t.text, t.kind, t.held_back) for t in session.scalars(select(Topic).order_by(Topic.id))]


# ------------------------------------------------------------------------------------------- a GROW topic


def test_a_grow_topic_through_agenda_and_summary(
    weekly: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    form = add_topic_form(slack, emulator, BOB)
    menu = [o["text"]["text"] for o in form.field("Kind").element["options"]]
    assert menu[0] == "Plain topic" and GROW in menu
    assert not any("concern" in option.lower() for option in menu)  # Bob doesn't lead this 1:1
    assert form.field("Kind").value["value"] == "plain"  # a plain topic unless one is picked
    submitted = submit_form(slack, BOB, form.fill(NEW_TOPIC, "Becoming a tech lead").select("Kind", GROW))
    assert submitted.status_code == 200 and not submitted.content
    assert kinds(sessions) == [("Becoming a tech lead", TopicKind.GROW, False)]

    # Both prompts show it with its kind and its four prompts.
    tick(sessions, settings, PROMPTED)
    for user_id in (ALICE, BOB):
        shown = text_of(prompt_to(emulator, user_id))
        assert f"*GROW coaching:* Becoming a tech lead — <@{BOB}>" in shown
        for prompt in GROW_PROMPTS:
            assert prompt in shown
        assert HELD not in shown

    # After the meeting each one's summary form has an input per step, labelled with the kind and the topic.
    tick(sessions, settings, FIRST_END)
    form = open_summary_form(slack, emulator, BOB)
    labels = [f"GROW · {step}: Becoming a tech lead" for step in ("Goal", "Reality", "Options", "Will")]
    assert [label for label in form.labels if label.startswith("GROW")] == labels
    assert form.field(labels[0]).element["max_length"] == 500
    form.fill(labels[0], "Lead the payments team by summer").fill(labels[1], "Leads stand-ups & <reviews>")
    form.check(COVERED_TOPICS, "Becoming a tech lead")
    assert submit_form(slack, BOB, form).status_code == 200
    form = open_summary_form(slack, emulator, ALICE)  # the topic is covered now, its steps are still here
    assert [label for label in form.labels if label.startswith("GROW")] == labels
    form.fill(labels[2], "Shadow Carol, or run the next incident review").fill(
        labels[3], "Run the review by Friday"
    )
    assert submit_form(slack, ALICE, form).status_code == 200

    with sessions() as session:
        stored = [
            (o.step, o.text) for o in session.scalars(select(TemplateOutcome).order_by(TemplateOutcome.id))
        ]
        authors = session.scalars(select(Summary.author_id).order_by(Summary.id)).all()
    assert stored == [
        ("goal", "Lead the payments team by summer"),
        ("reality", "Leads stand-ups & <reviews>"),
        ("options", "Shadow Carol, or run the next incident review"),
        ("will", "Run the review by Friday"),
    ]
    assert len(authors) == 2
    # The posted summary (updated with Alice's part) shows the outcomes per step, escaped once.
    latest = [c.args for c in emulator.calls("chat.update") if "1:1 summary" in text_of(c.args)][-1]
    shown = text_of(latest)
    assert (
        "*GROW coaching:* Becoming a tech lead\n"
        f"*Goal:* Lead the payments team by summer — <@{BOB}>\n"
        f"*Reality:* Leads stand-ups &amp; &lt;reviews&gt; — <@{BOB}>\n"
        f"*Options:* Shadow Carol, or run the next incident review — <@{ALICE}>\n"
        f"*Will:* Run the review by Friday — <@{ALICE}>"
    ) in shown


def test_a_summary_of_only_outcomes_is_posted_and_an_overlong_one_is_refused_on_its_field(
    weekly: None, slack: SlackSender, sessions: SessionFactory, settings: Settings, emulator: SlackEmulator
) -> None:
    reply_text(slack.command("add-topic feedback: the launch", user_id=BOB))
    tick(sessions, settings, FIRST_END)
    form = open_summary_form(slack, emulator, BOB)
    for_report, for_manager = (
        "Feedback · For the report: the launch",
        "Feedback · For the manager: the launch",
    )
    before = snapshot(sessions)
    form.fill(for_manager, "x" * 501)
    refused = slack.submit(BOB, form.view, form.state_values(unchecked=True))  # forged past the max_length
    [(field, error)] = refused.json()["errors"].items()
    assert field.startswith("outcome_") and field.endswith("_for-manager")
    assert "the limit is 500" in error and snapshot(sessions) == before
    form.fill(for_manager, "More context up front").fill(for_report, "Clear demo")
    assert submit_form(slack, BOB, form).status_code == 200
    posted = text_of(
        next(c.args for c in emulator.calls("chat.postMessage") if "1:1 summary" in text_of(c.args))
    )
    assert (
        "*Feedback both ways:* the launch\n*For the report:* Clear demo\n*For the manager:* More context"
        in posted
    )


# ------------------------------------------------------------------------------------------- by command


def test_add_topic_with_a_keyword_by_command(
    weekly: None, slack: SlackSender, sessions: SessionFactory
) -> None:
    said = reply_text(slack.command("add-topic career: Where I want to be in two years", user_id=BOB))
    assert "Added to the agenda" in said and ">Where I want to be in two years" in said
    assert "*Career conversation*: the agenda shows its prompts" in said
    assert kinds(sessions) == [("Where I want to be in two years", TopicKind.CAREER, False)]
    agenda = text_of(agenda_of(slack, ALICE))
    assert f"*Career conversation:* Where I want to be in two years — <@{BOB}>" in agenda
    assert "_Next step:_ One concrete step toward it" in agenda
    before = snapshot(sessions)
    said = reply_text(slack.command("add-topic grow:", user_id=BOB))
    assert "Write what the grow coaching is about after `grow:`" in said and snapshot(sessions) == before


# ------------------------------------------------------------------------------------------- a concern


def test_a_concern_by_anyone_but_the_manager_is_refused_and_stores_nothing(
    weekly: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    before = snapshot(sessions)
    said = reply_text(slack.command("add-topic concern: my workload", user_id=BOB))
    assert CONCERN_MANAGER_ONLY.split(" To talk")[0] in said
    assert snapshot(sessions) == before
    # Bob's form offers no concern; a hand-crafted one is refused on the menu.
    form = add_topic_form(slack, emulator, BOB).fill(NEW_TOPIC, "My workload")
    concern = {"text": {"type": "plain_text", "text": "Performance concern"}, "value": "concern"}
    form.forge("Kind", concern)
    before = snapshot(sessions)
    refused = slack.submit(BOB, form.view, form.state_values(unchecked=True))
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"topic_kind": CONCERN_MANAGER_ONLY.replace("`", "")},
    }
    form.forge("Kind", {"text": {"type": "plain_text", "text": "?"}, "value": "gossip"})
    refused = slack.submit(BOB, form.view, form.state_values(unchecked=True))
    assert refused.json()["errors"] == {"topic_kind": "Pick one of the kinds in the menu."}
    assert snapshot(sessions) == before


def test_a_managers_concern_is_hidden_from_the_report_until_the_meeting_starts(
    weekly: None,
    slack: SlackSender,
    sessions: SessionFactory,
    settings: Settings,
    emulator: SlackEmulator,
    clock: FakeClock,
) -> None:
    open_home(slack, emulator, BOB)
    reply_text(slack.command("add-topic Conference budget", user_id=BOB))
    said = reply_text(
        slack.command(f"add-topic <@{BOB}> concern: Missed deadlines since October", user_id=ALICE)
    )
    assert "Only you see it until the meeting starts" in said
    assert kinds(sessions)[1] == ("Missed deadlines since October", TopicKind.CONCERN, True)

    mine = agenda_of(slack, ALICE)
    assert f"*Performance concern:* Missed deadlines since October — <@{ALICE}>" in text_of(mine)
    assert HELD in text_of(mine) and share_button(mine) is not None
    theirs = agenda_of(slack, BOB)
    assert "Missed deadlines" not in json.dumps(theirs) and share_button(theirs) is None
    # Bob's Home tab counts only what he sees.
    clock.set(START + HOME_MIN_INTERVAL + timedelta(seconds=1))
    assert "1 from you, 0 from" in text_of(open_home(slack, emulator, BOB))

    tick(sessions, settings, PROMPTED)
    assert "Missed deadlines" not in json.dumps(prompt_to(emulator, BOB))
    alices = prompt_to(emulator, ALICE)
    assert "Missed deadlines" in text_of(alices) and share_button(alices) is not None

    # Once it has started, both see it: in the summary form too.
    tick(sessions, settings, FIRST_END)
    clock.set(FIRST_END)
    form = open_summary_form(slack, emulator, BOB)
    options = [o["text"]["text"] for o in form.field(COVERED_TOPICS).element["options"]]
    assert options == ["Conference budget", "Missed deadlines since October"]
    steps = [label for label in form.labels if label.startswith("Concern · ")]
    assert steps == [
        f"Concern · {s.label}: Missed deadlines since October" for s in steps_of(TopicKind.CONCERN)
    ]


def test_a_managers_concern_shows_in_the_reports_agenda_once_the_meeting_starts(
    weekly: None, slack: SlackSender, clock: FakeClock
) -> None:
    reply_text(slack.command(f"add-topic <@{BOB}> concern: Missed deadlines", user_id=ALICE))
    clock.set(FIRST - timedelta(seconds=1))
    assert "Missed deadlines" not in text_of(agenda_of(slack, BOB))
    clock.set(FIRST)
    assert "Missed deadlines" in text_of(agenda_of(slack, BOB))
    mine = agenda_of(slack, ALICE)
    assert HELD not in text_of(mine) and share_button(mine) is None  # nothing left to share


def test_share_now_shows_it_to_the_report_at_once_and_nobody_else_can_click_it(
    weekly: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    open_home(slack, emulator, BOB)
    reply_text(slack.command(f"add-topic <@{BOB}> concern: Missed deadlines", user_id=ALICE))
    mine = agenda_of(slack, ALICE)
    button = share_button(mine)
    assert button is not None and button["text"]["text"] == "Share now"

    # Bob (the other one of the pair) and Carol (an outsider) clicking its real id: refused, nothing changes.
    before = snapshot(sessions)
    for user_id in (BOB, CAROL):
        answers = click_share(slack, emulator, user_id, button["value"], {"ts": "1700000000.000100"})
        assert [(a["text"], a["response_type"]) for a in answers] == [(NOT_YOURS, "ephemeral")]
    assert snapshot(sessions) == before

    answers = click_share(slack, emulator, ALICE, button["value"], {"ts": "1700000000.000200"})
    assert [a["text"] for a in answers] == [
        f":unlock: Shared with <@{BOB}>: “Missed deadlines” is on their agenda now."
    ]
    assert kinds(sessions) == [("Missed deadlines", TopicKind.CONCERN, False)]
    assert "*Performance concern:* Missed deadlines" in text_of(agenda_of(slack, BOB))
    assert share_button(agenda_of(slack, ALICE)) is None and HELD not in text_of(agenda_of(slack, ALICE))
    clock.set(START + HOME_MIN_INTERVAL + timedelta(seconds=1))
    assert "0 from you, 1 from" in text_of(open_home(slack, emulator, BOB))


def test_a_concern_in_the_form_is_the_managers_and_can_be_shared_at_once(
    weekly: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = add_topic_form(slack, emulator, ALICE)
    concern = "Performance concern (only you, until the meeting)"
    assert concern in [o["text"]["text"] for o in form.field("Kind").element["options"]]
    form.fill(NEW_TOPIC, "Code reviews").select("Kind", concern)
    assert submit_form(slack, ALICE, form).status_code == 200
    form = add_topic_form(slack, emulator, ALICE)
    form.fill(NEW_TOPIC, "Deadlines").select("Kind", concern).check(
        "Performance concern", "Share it with them before the meeting"
    )
    assert submit_form(slack, ALICE, form).status_code == 200
    assert kinds(sessions) == [
        ("Code reviews", TopicKind.CONCERN, True),
        ("Deadlines", TopicKind.CONCERN, False),
    ]
    theirs = text_of(agenda_of(slack, BOB))
    assert "Deadlines" in theirs and "Code reviews" not in theirs


# ------------------------------------------------------------------------------------- the form's budget


def _form(plain: int, templated: list[TopicKind]) -> SummaryForm:
    topics = [TopicLine(n, f"Topic {n}", ALICE) for n in range(1, plain + 1)]
    lines = [TopicLine(1000 + n, f"Templated {n}", BOB, kind=kind) for n, kind in enumerate(templated)]
    return SummaryForm(1, BOB, ALICE, FIRST, topics + lines, templated=lines)


@pytest.mark.parametrize(
    ("plain", "templated", "shown", "left_out"),
    [
        (0, [TopicKind.GROW], 1, 0),
        (2, [TopicKind.GROW, TopicKind.CONCERN, TopicKind.FEEDBACK, TopicKind.CAREER], 4, 0),
        (0, [TopicKind.GROW] * 19, 19, 0),  # 76 inputs beside their two topic boxes: within the 81
        (0, [TopicKind.GROW] * 20, 19, 1),  # 80 would not fit: 19 topics and the line that says so
        (0, [TopicKind.CONCERN] * 20, 15, 5),
        (700, [TopicKind.GROW] * 3, 2, 1),  # 71 topic boxes leave room for two topics' steps
        (900, [TopicKind.GROW] * 3, 0, 0),  # the topic boxes took the whole budget: not even the line
    ],
)
def test_the_steps_fit_in_a_hundred_blocks_oldest_first_and_the_form_says_what_was_left_out(
    plain: int, templated: list[TopicKind], shown: int, left_out: int
) -> None:
    form = _form(plain, templated)
    fitted, missing = outcome_topics(form)
    assert ([t.text for t in fitted], missing) == ([f"Templated {n}" for n in range(shown)], left_out)
    opened = summary_modal(form)
    assert action_rows(opened) == ACTION_SLOTS and len(opened["blocks"]) <= 100
    assert "summary_add_action" in json.dumps(opened) or max_rows(extra_blocks(form)) == ACTION_SLOTS
    full = summary_modal(form, rows=MAX_ACTION_SLOTS)
    assert len(full["blocks"]) <= 100 and action_rows(full) == max_rows(extra_blocks(form))
    # Grown by a row, the form keeps every step's block id: Slack keeps what was typed in them.
    steps = [b["block_id"] for b in opened["blocks"] if b.get("block_id", "").startswith("outcome_")]
    assert len(steps) == sum(len(steps_of(t.kind)) for t in fitted)
    assert [b["block_id"] for b in full["blocks"] if b.get("block_id", "").startswith("outcome_")] == steps
    notice = [b for b in opened["blocks"] if b.get("block_id") == "outcomes_left_out"]
    if left_out:
        [line] = notice
        assert f"{left_out} more templated topic" in line["elements"][0]["text"]
    else:
        assert notice == []
    assert extra_blocks(form) <= MAX_TOPIC_BLOCKS


def test_the_posted_outcomes_stay_within_a_section_however_much_both_wrote() -> None:
    dense = ("&<>" * 200)[:500]
    written = tuple((user, dense) for user in (ALICE, BOB, ALICE))  # three summaries wrote every step
    steps = tuple(StepOutcome(step.key, written) for step in steps_of(TopicKind.CONCERN))
    view = SummaryView(
        1, FIRST, "UTC", (ALICE, BOB), (), (), (), (TopicOutcomes(TopicKind.CONCERN, dense, steps),)
    )
    message = summary_message(view)  # slack-sdk checks each section's 3,000 characters
    [section] = [
        b for b in message["blocks"] if "*Performance concern:*" in (b.get("text") or {}).get("text", "")
    ]
    text = section["text"]["text"]
    assert len(text) <= 3000 and text.count("*What was seen:*") == 3 and "&amp;&lt;&gt;" in text
