"""A 1:1's history through Slack (issue 14, part 4): `/1on1 history [@person] [words…]` and the Home tab's
*History* modal, its *Search*, and *Newer* / *Older* turning its pages in place (views.update). Each test
runs over signed HTTP and over Socket Mode, and on PostgreSQL in CI.

Older meetings are written through the services (fast); what a person sees is the reply, the post that
replaced it, or the view the emulator stored.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind
from bot.services.history import (
    HistoryView,
    KeyPoints,
    Outcome,
    OwnNote,
    PastAction,
    PastMeeting,
    PastTopic,
)
from bot.services.materialise import materialise_due
from bot.services.pairs import Actor
from bot.services.summaries import SummaryInput, submit_summary
from bot.slack.blocks.history import history_modal, history_reply
from bot.store.db import SessionFactory
from bot.store.models import Meeting
from emulator.blocks import block_errors, view_errors
from emulator.forms import ModalForm
from emulator.ids import TEAM_ID
from emulator.methods.views import MAX_VIEW_BYTES
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START, FakeClock
from tests.slack.helpers import (
    bot_messages,
    buttons,
    fill_summary,
    opened_form,
    pair_id,
    reply_of,
    reply_text,
    schedule_both_pairs,
    snapshot,
    submit_form,
    text_of,
    tick,
)
from tests.slack.people import ALICE, BOB, CAROL, DAVE, add_people

SEARCH = "Search key points, topics, action items and your notes"
NOT_YOURS = ":warning: That 1:1 isn't one of yours."


@pytest.fixture(autouse=True)
def people(emulator: SlackEmulator) -> None:
    add_people(emulator)


def as_user(user_id: str) -> Actor:
    return Actor(TEAM_ID, user_id)


def meetings(sessions: SessionFactory, one: str, other: str, count: int) -> list[Meeting]:
    """The first `count` meetings of the pair, soonest first, materialised as the clock would have."""
    for week in range(0, count, 4):
        materialise_due(sessions, START + timedelta(weeks=week))
    with sessions() as session:
        pair = pair_id(session, one, other)
        found = session.scalars(select(Meeting).where(Meeting.pair_id == pair).order_by(Meeting.starts_at))
        return list(found)[:count]


def summarise(
    sessions: SessionFactory, meeting: Meeting, key_points: str, by: str = ALICE, **kw: Any
) -> None:
    """`by` wrote the meeting's summary right after it (through the service, as the form would)."""
    form = SummaryInput(meeting.id, f"view:old-{meeting.id}-{by}", key_points, **kw)
    submit_summary(sessions, meeting.ends_at + timedelta(minutes=5), as_user(by), form)


def weeks_of_alice_and_bob(
    slack: SlackSender, sessions: SessionFactory, clock: FakeClock, count: int, words: str = "hiring"
) -> list[Meeting]:
    """Alice and Bob met weekly `count` times, each summarised "Week N: <words> went on"; now is after."""
    schedule_both_pairs(slack)
    held = meetings(sessions, ALICE, BOB, count)
    for week, meeting in enumerate(held):
        summarise(sessions, meeting, f"Week {week}: {words} went on")
    clock.set(held[-1].ends_at + timedelta(hours=1))
    return held


def date_token(meeting: Meeting) -> str:
    return f"<!date^{int(meeting.starts_at.timestamp())}^"


def view_buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A view's buttons by their text, as a click on each reports it (with its block id)."""
    return {
        element["text"]["text"]: {
            "action_id": element["action_id"],
            "block_id": block["block_id"],
            "value": element.get("value", ""),
        }
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def click_in(
    slack: SlackSender, emulator: SlackEmulator, user_id: str, form: ModalForm, text: str
) -> ModalForm:
    """`user_id` clicks the button `text` in the modal: the modal they see afterwards."""
    response = slack.action(
        user_id, [view_buttons(form.view)[text]], view=form.view, state=form.state_values()
    )
    assert response.status_code == 200 and not response.content  # acked at once, empty
    stored = emulator.view(form.view["id"])
    assert stored is not None
    return ModalForm(stored)


def open_history(slack: SlackSender, emulator: SlackEmulator, user_id: str) -> ModalForm:
    """`user_id` opens their Home tab and clicks its (first) *History*."""
    slack.home_opened(user_id)
    home = emulator.home_view(user_id)
    assert home is not None
    (button,) = [b for b in view_buttons(home).values() if b["action_id"] == "history_open"][:1]
    return opened_form(emulator, lambda: slack.action(user_id, [button], view=home))


# ------------------------------------------------------------------------------------ issue 14's "done when"


def test_a_search_finds_a_key_point_from_twenty_meetings_ago(
    slack: SlackSender,
    sessions: SessionFactory,
    emulator: SlackEmulator,
    clock: FakeClock,
    settings: Settings,
) -> None:
    schedule_both_pairs(slack)
    held = meetings(sessions, ALICE, BOB, 22)
    summarise(sessions, held[0], "Bob leads the zeppelin migration from January")
    for week, meeting in enumerate(held[1:21], start=1):
        summarise(sessions, meeting, f"Week {week}: hiring and the budget", actions=[])
    # The last one ends; Bob writes its summary in the form, with a private note.
    clock.set(held[21].ends_at)
    tick(sessions, settings, clock())
    follow_up = bot_messages(emulator, BOB, "How did your 1:1")[-1]
    form = opened_form(
        emulator,
        lambda: slack.action(
            BOB,
            [buttons(follow_up)["summary_open"]],
            channel_id=emulator.dm_channel_for(BOB),
            message=follow_up,
        ),
    )
    fill_summary(form, key_points="Budget review next", note="Nervous about the zeppelin deadline")
    assert submit_form(slack, BOB, form).status_code == 200
    clock.set(held[21].ends_at + timedelta(hours=2))

    alice = reply_text(slack.command("history zeppelin", user_id=ALICE))
    bob = reply_text(slack.command(f"history <@{ALICE}> Zeppelin", user_id=BOB))

    assert "Bob leads the zeppelin migration from January" in alice
    assert date_token(held[0]) in alice and "Tue 01 Dec 2026 10:00 EST" in alice  # in Alice's zone
    assert "1 of 1 meeting" in alice and "Nervous" not in alice  # Bob's note is his
    assert "Bob leads the zeppelin migration from January" in bob and "Tue 01 Dec 2026 16:00 CET" in bob
    assert "Nervous about the zeppelin deadline" in bob and "1–2 of 2 meetings" in bob
    assert date_token(held[21]) in bob and bob.index(date_token(held[21])) < bob.index(date_token(held[0]))
    # Carol has no 1:1 with Alice, and her own history holds nothing of theirs.
    carol = reply_text(slack.command(f"history <@{ALICE}> zeppelin", user_id=CAROL))
    assert carol.startswith(f"You don't have a 1:1 with <@{ALICE}>") and "migration" not in carol
    carol = reply_text(slack.command("history zeppelin", user_id=CAROL))
    assert f"Nothing in your 1:1s with <@{DAVE}> matches “zeppelin”" in carol and "migration" not in carol
    # A private note's words find its meeting for its author alone.
    assert "Nothing in your 1:1s" in reply_text(slack.command("history nervous", user_id=ALICE))
    assert "Nervous about the zeppelin deadline" in reply_text(slack.command("history nervous", user_id=BOB))


# ------------------------------------------------------------------------------------------------ the modal


def test_the_home_tabs_history_opens_the_newest_five_and_older_and_newer_turn_the_pages_in_place(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    held = weeks_of_alice_and_bob(slack, sessions, clock, 7)

    form = open_history(slack, emulator, ALICE)

    assert form.view["callback_id"] == "history_modal" and form.labels == [SEARCH]
    text = text_of(form.view)
    assert f":books: *Your past 1:1s with <@{BOB}>*, newest first" in text and "1–5 of 7 meetings" in text
    assert all(f"Week {week}: hiring went on" in text for week in range(2, 7)) and "Week 1:" not in text
    assert text.index(date_token(held[6])) < text.index(date_token(held[2]))
    assert list(view_buttons(form.view)) == ["Older"]

    older = click_in(slack, emulator, ALICE, form, "Older")

    (update,) = emulator.calls("views.update")
    assert update.args["hash"] == form.view["hash"]  # over the modal as clicked
    text = text_of(older.view)
    assert "6–7 of 7 meetings" in text and "Week 1: hiring" in text and "Week 0: hiring" in text
    assert "Week 2:" not in text and list(view_buttons(older.view)) == ["Newer"]
    newer = click_in(slack, emulator, ALICE, older, "Newer")
    assert "1–5 of 7 meetings" in text_of(newer.view) and newer.view["id"] == form.view["id"]


def test_a_search_in_the_modal_shows_what_the_words_found_and_its_pages_keep_the_words(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    weeks_of_alice_and_bob(slack, sessions, clock, 7)
    form = open_history(slack, emulator, BOB)

    searched = submit_form(slack, BOB, form.fill(SEARCH, "hire"))

    assert searched.json()["response_action"] == "update"
    shown = ModalForm.stored(emulator, form.view["id"])
    text = text_of(shown.view)
    assert f"*Your 1:1s with <@{ALICE}> that mention “hire”*" in text and "1–5 of 7 meetings" in text
    assert text.count(":mag: *<@") == 5  # each key point the words found is marked
    assert shown.field(SEARCH).value == "hire"
    older = click_in(slack, emulator, BOB, shown, "Older")
    assert "that mention “hire”" in text_of(older.view) and "6–7 of 7 meetings" in text_of(older.view)

    submit_form(slack, BOB, older.fill(SEARCH, 'zeppelin "OR" <!channel> *'))

    nothing = text_of(emulator.view(form.view["id"]) or {})
    assert "Nothing in your 1:1s with" in nothing and "“zeppelin &quot;OR&quot;" not in nothing
    assert '“zeppelin "OR" &lt;!channel&gt; *”' in nothing and "<!channel>" not in nothing


def test_an_outsiders_clicks_and_forms_on_another_pairs_history_are_refused_and_reveal_nothing(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    weeks_of_alice_and_bob(slack, sessions, clock, 2, words="secret reorg")
    with sessions() as session:
        theirs = pair_id(session, ALICE, BOB)
    own = open_history(slack, emulator, DAVE)  # his own 1:1 with Carol
    assert f"*Your past 1:1s with <@{CAROL}>*" in text_of(own.view)
    home = emulator.home_view(DAVE)
    assert home is not None
    before = snapshot(sessions)

    shown = opened_form(
        emulator,
        lambda: slack.action(DAVE, [{"action_id": "history_open", "value": str(theirs)}], view=home),
    )
    assert text_of(shown.view) == "\n" + NOT_YOURS
    crafted = {"action_id": "history_page", "block_id": "b0", "value": f"{theirs}:0"}
    slack.action(DAVE, [crafted], view=own.view, state=own.state_values())
    assert text_of(emulator.view(own.view["id"]) or {}) == "\n" + NOT_YOURS
    url = emulator.new_response_url()
    slack.action(DAVE, [crafted], channel_id=emulator.open_dm(DAVE), message={"ts": "1.2"}, response_url=url)
    assert [p.payload["text"] for p in emulator.response_posts(url)] == [NOT_YOURS]
    forged = own.fill(SEARCH, "secret").forged(private_metadata=json.dumps({"pair_id": theirs, "words": ""}))
    refused = slack.submit(DAVE, forged, own.state_values())
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"history_search": "That 1:1 isn't one of yours."},
    }
    lost = slack.submit(DAVE, own.forged(private_metadata="{not json"), own.state_values())
    assert lost.json()["errors"] == {
        "history_search": "This window lost track of its 1:1; open History again from the Home tab."
    }
    garbled = {**crafted, "value": "12abc"}
    slack.action(DAVE, [garbled], channel_id=emulator.open_dm(DAVE), message={"ts": "1.3"}, response_url=url)
    assert "doesn't point at anything I know" in emulator.response_posts(url)[-1].payload["text"]

    assert snapshot(sessions) == before
    sent = json.dumps([c.args for c in emulator.calls() if c.method.startswith("views.")])
    assert "secret" not in sent and "reorg" not in sent


def test_a_page_slack_fails_to_turn_is_said_in_the_modal(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    weeks_of_alice_and_bob(slack, sessions, clock, 7)
    form = open_history(slack, emulator, ALICE)
    emulator.fail_next("views.update", status=500)

    after = click_in(slack, emulator, ALICE, form, "Older")

    text = text_of(after.view)
    assert "Slack didn't turn the page just now" in text and "1–5 of 7 meetings" in text
    assert list(view_buttons(after.view)) == ["Older"]  # click again: it works now
    assert "6–7 of 7" in text_of(click_in(slack, emulator, ALICE, after, "Older").view)


# ---------------------------------------------------------------------------------------------- the command


def test_the_reply_pages_through_the_list_in_place_and_a_search_reply_says_where_the_rest_are(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock
) -> None:
    held = weeks_of_alice_and_bob(slack, sessions, clock, 7)
    url = emulator.new_response_url()
    first = reply_of(slack.command(f"history <@{BOB}>", user_id=ALICE, response_url=url))
    assert "1–5 of 7 meetings" in text_of(first) and date_token(held[2]) in text_of(first)

    slack.action(
        ALICE,
        [buttons(first)["history_page"]],
        channel_id=emulator.open_dm(ALICE),
        message={"ts": "1.1", **first},
        response_url=url,
    )

    (turned,) = [p.payload for p in emulator.response_posts(url)]
    assert turned["replace_original"] is True and turned["response_type"] == "ephemeral"
    assert "6–7 of 7 meetings" in text_of(turned) and date_token(held[0]) in text_of(turned)
    assert [b["text"]["text"] for b in buttons_of(turned)] == ["Newer"]
    search = reply_of(slack.command("history hiring", user_id=ALICE))
    assert "1–5 of 7 meetings" in text_of(search) and not buttons_of(search)
    assert "Only the newest 5 are shown here" in text_of(search)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    "words",
    ['"', "*", "NEAR(a b)", "a OR b", "-x", "col:x", "<!channel>", "日本語 😀", "&amp; &lt;b&gt;", "z" * 500],
)
def test_any_words_get_a_clear_answer(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator, clock: FakeClock, words: str
) -> None:
    weeks_of_alice_and_bob(slack, sessions, clock, 1)

    body = reply_of(slack.command(f"history {words}", user_id=ALICE))

    text = text_of(body)
    assert f":mag: Nothing in your 1:1s with <@{BOB}> matches “" in text, text
    assert "<!channel>" not in text and ":warning:" not in text


def test_too_many_words_or_no_past_meetings_are_said_plainly(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    schedule_both_pairs(slack)
    before = snapshot(sessions)

    long = reply_text(slack.command("history " + "word " * 120, user_id=ALICE))
    empty = reply_text(slack.command("history", user_id=ALICE))

    assert long.startswith("Search with fewer words: that was 599 characters, the limit is 500.")
    assert f"*Your 1:1s with <@{BOB}>* have no past meetings yet" in empty and ":warning:" not in empty
    assert snapshot(sessions) == before


# ------------------------------------------------------------------------------------------ Slack's limits


def crowded(meeting_count: int = 5) -> HistoryView:
    """A page as long as it gets: every text at its limit, in escapes, of every kind."""
    longest = "<&>" * 1000  # each character an escape four or five long

    def meeting(n: int) -> PastMeeting:
        return PastMeeting(
            n,
            START + timedelta(weeks=n),
            START + timedelta(weeks=n, minutes=30),
            MeetingStatus.HELD,
            key_points=[KeyPoints(ALICE, longest, True), KeyPoints(BOB, longest)],
            outcomes=[Outcome(longest[:500], TopicKind.GROW, step, longest) for step in ("goal", "will")] * 4,
            actions=[PastAction(longest[:500], BOB, date(2026, 12, 24), n % 2 == 0, True) for _ in range(30)],
            my_notes=[OwnNote(longest, True) for _ in range(10)],
            topics=[PastTopic(longest[:500], BOB, False, True) for _ in range(10)],
        )

    view = HistoryView(1, ALICE, BOB, "Europe/Berlin", "<&>" * 166, 2, 40, [])
    return HistoryView(**{**view.__dict__, "meetings": [meeting(n) for n in range(meeting_count)]})


def test_a_crowded_page_stays_within_slacks_limits_and_says_what_it_cut() -> None:
    page = crowded()
    reply = history_reply(page)
    modal = history_modal(page)

    assert block_errors(reply["blocks"]) == [] and len(reply["blocks"]) <= 50
    assert view_errors(modal) == [] and len(json.dumps(modal).encode()) < MAX_VIEW_BYTES / 4
    assert len(modal["private_metadata"]) < 3000
    sections = [b["text"]["text"] for b in modal["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    text = text_of(reply)
    assert "_(cut short)_" in text and "more" in text and "<&>" not in text
    assert text.count("&lt;&amp;&gt;") > 1000
