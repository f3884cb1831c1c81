"""The summary form grows: *Add another action item* (views.update with the view's hash) up to what a modal
holds, the agenda's topics in boxes of ten, and nothing typed lost on the way (issue 12, part 5)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.agenda import TopicStatus
from bot.services.agenda import TopicLine
from bot.services.summaries import SummaryForm
from bot.slack.blocks.summary_modal import (
    MAX_TOPIC_BLOCKS,
    action_rows,
    max_rows,
    summary_modal,
    topic_blocks,
)
from bot.slack.ids import ACTION_SLOTS, MAX_ACTION_SLOTS
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Person, Topic
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.slack.helpers import (
    COVERED_TOPICS,
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    reply_text,
    snapshot,
    submit_form,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, add_people

FIRST_START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # Tue 10:00 New York, 16:00 Berlin
FIRST_END = FIRST_START + timedelta(minutes=30)
ADD = "Add another action item"
MORE_TOPICS = "Topics you covered (continued)"


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


@pytest.fixture
def ended(slack: SlackSender, sessions: SessionFactory, settings: Settings) -> None:
    """Alice leads a weekly 1:1 with Bob; each added a topic; the first one is over and both were asked."""
    reply_text(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    reply_text(slack.command("add-topic Career growth", user_id=BOB))
    reply_text(slack.command("add-topic Budget", user_id=ALICE))
    tick(sessions, settings, FIRST_END)


def open_summary_form(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` clicks "Write the summary" in their "How did your 1:1 go?": the form they see."""
    follow_up = bot_messages(emulator, user_id, "How did your 1:1")[-1]

    def click() -> None:
        button = buttons(follow_up)["summary_open"]
        channel = emulator.dm_channel_for(user_id)
        assert slack.action(user_id, [button], channel_id=channel, message=follow_up).status_code == 200

    return opened_form(emulator, click)


def add_button(form: ModalForm) -> dict[str, Any] | None:
    """The form's *Add another action item* button, as a click on it reports it (None: it has none)."""
    for block in form.view["blocks"]:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element["text"]["text"] == ADD:
                return {
                    "action_id": element["action_id"],
                    "block_id": block["block_id"],
                    "value": element["value"],
                }
    return None


def as_slack_keeps(typed: ModalForm, updated: dict[str, Any]) -> ModalForm:
    """The updated view as the person sees it: Slack keeps what was typed in an input whose block_id and
    action_id the new view still has ("Preserving input entry", views.update); everything else is fresh."""
    form = ModalForm(updated)
    kept = {(f.block_id, f.action_id): f.state for f in typed.fields}
    for field in form.fields:
        state = kept.get((field.block_id, field.action_id))
        if state is not None and state["type"] == field.type:
            field.state.update(copy.deepcopy(state))
    return form


def click_add(slack: SlackSender, emulator: SlackEmulator, user_id: str, form: ModalForm) -> ModalForm:
    """`user_id` clicks *Add another action item* in `form` as filled: the form they see afterwards."""
    button = add_button(form)
    assert button is not None, "the form has no Add button"
    response = slack.action(user_id, [button], view=form.view, state=form.state_values())
    assert response.status_code == 200 and not response.content  # acked at once, empty
    stored = emulator.view(form.view["id"])
    assert stored is not None
    return as_slack_keeps(form, stored)


def rows_of(form: ModalForm) -> list[str]:
    return [label for label in form.labels if label.startswith("Action item")]


def test_eight_action_items_by_growing_the_form_three_times_keep_everything_typed(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = open_summary_form(slack, emulator, BOB)
    assert rows_of(form) == [f"Action item {n}" for n in range(1, 6)] and add_button(form) is not None
    form.fill("Key points", "A plan for the next quarter").fill("Action item 1", "Draft the promo doc")
    form.pick_date("Due", "2026-12-10", nth=1).check(COVERED_TOPICS, "Career growth")
    for clicks in range(1, 4):
        before = form.view
        form = click_add(slack, emulator, BOB, form)
        update = emulator.calls("views.update")[-1]
        # The view's own id and the hash it had when clicked: a form changed meanwhile is not overwritten.
        assert (update.args["view_id"], update.args["hash"]) == (before["id"], before["hash"]) and update.ok
        assert rows_of(form) == [f"Action item {n}" for n in range(1, 6 + clicks)]
        assert form.view["hash"] != before["hash"]
    # What was typed before the form grew is still there (its inputs kept their ids).
    assert form.field("Action item 1").value == "Draft the promo doc"
    assert form.field("Due", nth=1).value == "2026-12-10"
    assert form.field("Key points").value == "A plan for the next quarter"
    assert [o["text"]["text"] for o in form.field(COVERED_TOPICS).value] == ["Career growth"]
    items = [("Draft the promo doc", BOB, "2026-12-10")] + [
        (f"Item {n}", ALICE if n % 2 else BOB, f"2026-12-{10 + n}" if n % 3 else None) for n in range(2, 9)
    ]
    for nth, (text, owner, due) in enumerate(items[1:], start=2):
        form.fill(f"Action item {nth}", text).choose_user("Owner", owner, nth=nth)
        if due is not None:
            form.pick_date("Due", due, nth=nth)
    submitted = submit_form(slack, BOB, form)
    assert submitted.status_code == 200 and not submitted.content

    with sessions() as session:
        people = {p.id: p.slack_user_id for p in session.scalars(select(Person))}
        kept = [
            (a.text, people[a.owner_id], a.due_date.isoformat() if a.due_date else None)
            for a in session.scalars(select(ActionItem).order_by(ActionItem.id))
        ]
        topics = {t.text: t.status for t in session.scalars(select(Topic))}
    assert kept == items
    assert topics == {"Career growth": TopicStatus.COVERED, "Budget": TopicStatus.OPEN}
    posted = next(
        c.args for c in emulator.calls("chat.postMessage") if "A plan for the next" in json.dumps(c.args)
    )
    done = [b for b in posted["blocks"] if (b.get("accessory") or {}).get("action_id") == "action_done"]
    assert [b["text"]["text"].split(" — ")[0] for b in done] == [
        f":white_square: {text}" for text, _, _ in items
    ]


def test_more_than_ten_topics_come_in_boxes_of_ten_and_the_form_grows_to_what_a_modal_holds(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    for n in range(3, 14):  # thirteen topics with the two already there
        reply_text(slack.command(f"add-topic Topic {n}", user_id=BOB if n % 2 else ALICE))
    form = open_summary_form(slack, emulator, BOB)
    first, more = form.field(COVERED_TOPICS), form.field(MORE_TOPICS)
    assert len(first.element["options"]) == 10 and len(more.element["options"]) == 3
    form.check(COVERED_TOPICS, "Career growth", "Topic 4").check(MORE_TOPICS, "Topic 13")
    form.fill("Action item 5", "Fifth")
    while add_button(form) is not None:
        form = click_add(slack, emulator, BOB, form)
    # Thirty rows (ids.MAX_ACTION_SLOTS) fit beside the two boxes of topics; then the button goes away.
    assert len(rows_of(form)) == MAX_ACTION_SLOTS and len(form.view["blocks"]) <= 100
    assert len(emulator.calls("views.update")) == MAX_ACTION_SLOTS - ACTION_SLOTS
    assert [o["text"]["text"] for o in form.field(MORE_TOPICS).value] == ["Topic 13"]
    form.fill(f"Action item {MAX_ACTION_SLOTS}", "The thirtieth")
    assert submit_form(slack, BOB, fill_summary(form, "Long one")).status_code == 200
    with sessions() as session:
        assert [a.text for a in session.scalars(select(ActionItem).order_by(ActionItem.id))] == [
            "Fifth",
            "The thirtieth",
        ]
        covered = {t.text for t in session.scalars(select(Topic).where(Topic.status == TopicStatus.COVERED))}
    assert covered == {"Career growth", "Topic 4", "Topic 13"}


def test_a_click_on_a_form_that_changed_meanwhile_is_retried_once_and_loses_nothing(
    ended: None, slack: SlackSender, emulator: SlackEmulator
) -> None:
    """Two quick clicks from the same form: the second carries the hash the first one's update replaced.
    Slack answers hash_conflict; the form is rebuilt from the clicked one, without the hash."""
    form = open_summary_form(slack, emulator, BOB)
    form.fill("Key points", "Quick clicks").fill("Action item 1", "Typed before the clicks")
    first = click_add(slack, emulator, BOB, form)
    second = click_add(slack, emulator, BOB, form)  # the same, stale, form
    calls = emulator.calls("views.update")
    assert [(c.ok, c.response.get("error"), "hash" in c.args) for c in calls] == [
        (True, None, True),
        (False, "hash_conflict", True),
        (True, None, False),
    ]
    assert rows_of(first) == rows_of(second) == [f"Action item {n}" for n in range(1, 7)]
    assert second.field("Action item 1").value == "Typed before the clicks"
    second.fill("Action item 6", "The sixth")
    assert submit_form(slack, BOB, second).status_code == 200


def test_when_slack_keeps_refusing_the_form_says_so_and_keeps_what_was_typed(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = open_summary_form(slack, emulator, BOB)
    form.fill("Action item 2", "Still here")
    emulator.fail_next("views.update", status=200, error="hash_conflict")
    emulator.fail_next("views.update", status=200, error="internal_error")
    before = snapshot(sessions)
    shown = click_add(slack, emulator, BOB, form)
    assert [c.response.get("error") for c in emulator.calls("views.update")] == [
        "hash_conflict",
        "internal_error",
        None,
    ]
    notice = json.dumps(shown.view["blocks"])
    assert "Slack didn't add the row just now" in notice
    assert rows_of(shown) == rows_of(form) and shown.field("Action item 2").value == "Still here"
    assert add_button(shown) is not None  # the person can simply click again
    assert snapshot(sessions) == before
    again = click_add(slack, emulator, BOB, shown)
    assert len(rows_of(again)) == ACTION_SLOTS + 1 and "Slack didn't add" not in json.dumps(
        again.view["blocks"]
    )


def test_an_outsiders_click_on_the_add_button_changes_no_form(
    ended: None, slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    form = open_summary_form(slack, emulator, BOB)
    button = add_button(form)
    assert button is not None
    before = snapshot(sessions)
    response = slack.action(CAROL, [button], view=form.view, state=form.state_values())  # forged
    assert response.status_code == 200
    # Crafted into a message instead, it has a response_url: the refusal is said there, to her alone.
    url = emulator.new_response_url()
    channel = emulator.open_dm(CAROL)
    message = {"ts": "1700000000.000100"}
    assert (
        slack.action(CAROL, [button], channel_id=channel, message=message, response_url=url).status_code
        == 200
    )
    [answer] = [post.payload for post in emulator.response_posts(url)]
    assert (answer["text"], answer["response_type"]) == (
        ":warning: That 1:1 isn't one of yours.",
        "ephemeral",
    )
    assert emulator.calls("views.update") == [] and snapshot(sessions) == before


# ------------------------------------------------------------------------------------ the form's budget


def _form(topics: int) -> SummaryForm:
    lines = [TopicLine(n, f"Topic {n}", ALICE) for n in range(1, topics + 1)]
    return SummaryForm(1, BOB, ALICE, FIRST_START, lines)


@pytest.mark.parametrize(
    ("topics", "rows"),
    [(0, 30), (10, 30), (70, 30), (71, 29), (100, 29), (200, 25), (10_000, ACTION_SLOTS)],
)
def test_the_form_never_passes_a_hundred_blocks_and_always_opens_with_five_rows(
    topics: int, rows: int
) -> None:
    assert max_rows(topic_blocks(topics)) == rows
    opened = summary_modal(_form(topics))
    assert action_rows(opened) == ACTION_SLOTS
    full = summary_modal(_form(topics), rows=MAX_ACTION_SLOTS + 5)
    assert action_rows(full) == rows and len(full["blocks"]) <= 100
    assert "summary_add_action" not in json.dumps(full)  # no button once every row that fits is there
    boxes = [b for b in full["blocks"] if (b.get("element") or {}).get("type") == "checkboxes"]
    assert len(boxes) == min(-(-topics // 10), MAX_TOPIC_BLOCKS)
    assert all(len(b["element"]["options"]) <= 10 for b in boxes)


def test_a_form_opened_before_it_could_grow_reads_as_five_rows() -> None:
    old = summary_modal(_form(2))
    old["blocks"] = [b for b in old["blocks"] if b.get("type") != "actions"]  # no button back then
    assert action_rows(old) == ACTION_SLOTS
    crafted = {"blocks": [{"type": "input", "block_id": "action_99_text"}]}
    assert action_rows(crafted) == MAX_ACTION_SLOTS  # a crafted view reads at most the 30 rows there can be
