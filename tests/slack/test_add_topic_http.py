"""`/1on1 help` and `/1on1 add-topic` through signed HTTP into the real Bolt app."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person, Topic
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.conftest import START
from tests.reliability_report import record
from tests.slack.helpers import text_of
from tests.slack.people import add_people

ALICE, BOB, CAROL = "UALICE01", "UBOB0001", "UCAROL01"


def reply_of(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return body


def reply_text(body: dict) -> str:
    return body["text"] + "\n" + "\n".join(b["text"]["text"] for b in body.get("blocks") or [] if "text" in b)


def row_counts(sessions: SessionFactory) -> dict[str, int]:
    """Rows per table of the bot's state (not the log of handled request ids)."""
    with sessions() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
            if table.name != "slack_request"
        }


def topics(sessions: SessionFactory) -> list[tuple[str, str, str]]:
    """(author, other member, text) for every stored topic."""
    with sessions() as session:
        rows = session.execute(select(Topic, Pair).join(Pair, Pair.id == Topic.pair_id).order_by(Topic.id))
        out = []
        for topic, pair in rows:
            author = session.get(Person, topic.author_id)
            assert author is not None
            out.append((author.slack_user_id, pair.other(author.id).slack_user_id, topic.text))
        return out


def test_help_lists_every_command(slack: SlackSender) -> None:
    body = reply_of(slack.command("help", user_id=ALICE))
    text = reply_text(body)
    for sub in ("schedule", "add-topic", "agenda", "list", "actions", "note", "skip", "reschedule", "cancel"):
        assert f"/1on1 {sub}" in text


def test_empty_command_shows_help(slack: SlackSender) -> None:
    assert "/1on1 add-topic" in reply_text(reply_of(slack.command("", user_id=ALICE)))


@pytest.fixture
def paired(slack: SlackSender, emulator: SlackEmulator) -> SlackSender:
    """Alice and Bob (and Carol, and Dave) exist in Slack; Alice meets Bob weekly."""
    add_people(emulator)
    reply_of(slack.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    return slack


def test_add_topic_with_a_person_stores_it_on_their_pair(
    paired: SlackSender, sessions: SessionFactory
) -> None:
    body = reply_of(paired.command(f"add-topic <@{BOB}|bob> Career growth plan", user_id=ALICE))
    assert f"Added to the agenda of your 1:1 with <@{BOB}>" in reply_text(body)
    assert ">Career growth plan" in reply_text(body)
    assert topics(sessions) == [(ALICE, BOB, "Career growth plan")]


def test_add_topic_without_a_person_uses_the_only_pair(paired: SlackSender, sessions: SessionFactory) -> None:
    reply_of(paired.command(f"add-topic <@{BOB}> first", user_id=ALICE))
    # Bob has one 1:1 (with Alice), so he need not name her.
    body = reply_of(paired.command("add-topic second", user_id=BOB))
    assert f"<@{ALICE}>" in reply_text(body)
    assert topics(sessions) == [(ALICE, BOB, "first"), (BOB, ALICE, "second")]


def test_a_topic_typed_with_slacks_escapes_is_stored_as_meant_and_shown_escaped_once(
    paired: SlackSender, sessions: SessionFactory
) -> None:
    # Slack sends "R&amp;D budget &lt;Q1&gt;" (emulator.requests.slack_text escapes as Slack does).
    text = reply_text(reply_of(paired.command(f"add-topic <@{BOB}> R&D budget <Q1>", user_id=ALICE)))
    assert ">R&amp;D budget &lt;Q1&gt;" in text  # Slack shows "R&D budget <Q1>"
    assert "&amp;amp;" not in text and "&amp;lt;" not in text
    assert topics(sessions) == [(ALICE, BOB, "R&D budget <Q1>")]


def test_mentions_stay_mentions_links_show_their_address_and_broadcasts_notify_nobody(
    paired: SlackSender, sessions: SessionFactory
) -> None:
    link = "<https://evil.example|the docs>"
    typed = f"<!channel> ask <@{CAROL}|carol> in <#C0GENERAL|general> about {link} & more"
    text = reply_text(reply_of(paired.command(f"add-topic <@{BOB}> {typed}", user_id=ALICE)))
    meant = f"@channel ask <@{CAROL}> in <#C0GENERAL> about the docs (https://evil.example) & more"
    assert topics(sessions) == [(ALICE, BOB, meant)]
    assert (
        f">@channel ask <@{CAROL}> in <#C0GENERAL> about the docs (https://evil.example) &amp; more" in text
    )
    assert "<!channel>" not in text and "<https://evil" not in text
    agenda = reply_text(reply_of(paired.command(f"agenda <@{BOB}>", user_id=ALICE)))
    assert f"ask <@{CAROL}> in <#C0GENERAL>" in agenda and "<!channel>" not in agenda


def test_a_broadcast_typed_as_characters_is_shown_as_characters(
    paired: SlackSender, sessions: SessionFactory
) -> None:
    # Typed as text (not picked from the menu), Slack escapes it: "&lt;!channel&gt;".
    text = reply_text(
        reply_of(paired.command(f"add-topic <@{BOB}> &lt;!channel&gt; hi", user_id=ALICE, raw=True))
    )
    assert topics(sessions) == [(ALICE, BOB, "<!channel> hi")]
    assert ">&lt;!channel&gt; hi" in text and "<!channel>" not in text


@pytest.mark.parametrize("length, stored", [(TOPIC_MAX_CHARS, True), (TOPIC_MAX_CHARS + 1, False)])
def test_the_topic_limit_counts_what_the_person_typed(
    paired: SlackSender, sessions: SessionFactory, length: int, stored: bool
) -> None:
    # 500 ampersands arrive as 2,500 characters of "&amp;": still 500 typed.
    text = reply_text(reply_of(paired.command(f"add-topic <@{BOB}> {'&' * length}", user_id=ALICE)))
    assert topics(sessions) == ([(ALICE, BOB, "&" * length)] if stored else [])
    assert ("the limit is" in text) is not stored


def test_any_word_is_allowed_in_a_command_payload_too(paired: SlackSender, sessions: SessionFactory) -> None:
    # slack_bolt 1.30 read any form body containing "payload" as an interactivity payload: 404.
    response = paired.command(f"add-topic <@{BOB}> check the payload format", user_id=ALICE)
    assert "Added to the agenda" in reply_text(reply_of(response))
    assert topics(sessions) == [(ALICE, BOB, "check the payload format")]


def test_a_topic_for_someone_you_have_no_1on1_with_is_refused_and_tells_nobody(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    text = reply_text(reply_of(slack.command(f"add-topic <@{BOB}> Can we talk?", user_id=ALICE)))
    assert f"You don't have a 1:1 with <@{BOB}>" in text and "/1on1 schedule" in text
    assert all(count == 0 for count in row_counts(sessions).values())
    # Bob's own DM is not turned into a question about a 1:1 he never agreed to.
    bob_dm = emulator.open_dm(BOB)
    assert slack.dm(BOB, "Let's plan the offsite", channel=bob_dm).status_code == 200
    said = [text_of(c.args) for c in emulator.calls("chat.postMessage")]
    assert said and all("don't have any 1:1s yet" in s for s in said), said
    assert not any("Can we talk" in text_of(c.args) for c in emulator.calls())


def test_a_pair_an_older_version_made_without_a_series_stays_invisible(
    paired: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    # Carol once aimed a topic at Bob, which made a pair (and kept her topic) without a series.
    with sessions.begin() as session:
        team = session.scalars(select(Person.workspace_id)).first()
        carol = Person(workspace_id=team, slack_user_id=CAROL, created_at=START)
        session.add(carol)
        session.flush()
        bob = session.scalars(select(Person).where(Person.slack_user_id == BOB)).one()
        low, high = sorted((carol.id, bob.id))
        phantom = Pair(workspace_id=team, member_a_id=low, member_b_id=high, created_at=START)
        session.add(phantom)
        session.flush()
        session.add(Topic(pair_id=phantom.id, author_id=carol.id, text="Carol's old topic", created_at=START))
    # Bob has one real 1:1, so his DM goes straight onto it, no "which 1:1?" question.
    bob_dm = emulator.open_dm(BOB)
    assert paired.dm(BOB, "Offsite plans", channel=bob_dm).status_code == 200
    assert any(
        f"Added to your 1:1 with <@{ALICE}>" in text_of(c.args) for c in emulator.calls("chat.postMessage")
    )
    listed = reply_text(reply_of(paired.command("list", user_id=BOB)))
    assert f"<@{CAROL}>" not in listed
    refused = reply_text(reply_of(paired.command(f"agenda <@{CAROL}>", user_id=BOB)))
    assert "You don't have a 1:1 with" in refused and "Carol's old topic" not in refused
    assert (CAROL, BOB, "Carol's old topic") in topics(sessions)  # still stored, not lost


def test_no_pair_and_no_person_is_refused_and_stores_nothing(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    text = reply_text(reply_of(slack.command("add-topic hello", user_id=ALICE)))
    assert "don't have any 1:1s yet" in text
    assert all(count == 0 for count in row_counts(sessions).values())


def test_several_pairs_and_no_person_asks_which(paired: SlackSender, sessions: SessionFactory) -> None:
    reply_of(paired.command(f"schedule <@{CAROL}> weekly wed 10:00", user_id=ALICE))
    before = row_counts(sessions)
    text = reply_text(reply_of(paired.command("add-topic which one?", user_id=ALICE)))
    assert "several people" in text and f"<@{BOB}>" in text and f"<@{CAROL}>" in text
    assert row_counts(sessions) == before


def test_a_1on1_with_yourself_is_refused(
    slack: SlackSender, sessions: SessionFactory, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    text = reply_text(reply_of(slack.command(f"add-topic <@{ALICE}> me, myself", user_id=ALICE)))
    assert "not yourself" in text
    assert all(count == 0 for count in row_counts(sessions).values())


def test_oversized_topic_names_the_limit(paired: SlackSender, sessions: SessionFactory) -> None:
    before = row_counts(sessions)
    text = reply_text(reply_of(paired.command(f"add-topic <@{BOB}> {'x' * 5000}", user_id=ALICE)))
    assert f"the limit is {TOPIC_MAX_CHARS:,}" in text
    assert row_counts(sessions) == before


def test_missing_text_shows_the_right_form(slack: SlackSender, sessions: SessionFactory) -> None:
    text = reply_text(reply_of(slack.command(f"add-topic <@{BOB}>", user_id=ALICE)))
    assert "Usage: `/1on1 add-topic [@person] &lt;text&gt;`" in text  # escaped: Slack would link <text>
    assert all(count == 0 for count in row_counts(sessions).values())


def test_unknown_subcommand_is_named(slack: SlackSender, sessions: SessionFactory) -> None:
    text = reply_text(reply_of(slack.command("dance <!here>", user_id=ALICE)))
    assert "I don't know the command `dance`" in text
    assert "/1on1 help" in text
    assert "<!here>" not in text
    assert all(count == 0 for count in row_counts(sessions).values())


def test_unresolved_plain_at_name_is_explained(slack: SlackSender, sessions: SessionFactory) -> None:
    text = reply_text(reply_of(slack.command("add-topic @bob hello", user_id=ALICE)))
    assert "couldn't tell who `@bob` is" in text
    assert all(count == 0 for count in row_counts(sessions).values())


@pytest.mark.reliability
@pytest.mark.http_only
def test_forged_signature_is_rejected_and_changes_nothing(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    response = slack.command(f"add-topic <@{BOB}> sneaky", user_id=ALICE, secret="not-the-secret")
    assert response.status_code == 401
    record("forged or stale requests rejected (401)", 1)
    assert all(count == 0 for count in row_counts(sessions).values())


@pytest.mark.reliability
@pytest.mark.http_only
def test_stale_timestamp_is_rejected_and_changes_nothing(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    import time

    response = slack.command(
        f"add-topic <@{BOB}> replayed", user_id=ALICE, timestamp=int(time.time()) - 6 * 60
    )
    assert response.status_code == 401
    record("forged or stale requests rejected (401)", 1)
    assert all(count == 0 for count in row_counts(sessions).values())


@pytest.mark.http_only
def test_healthz_checks_the_database(slack: SlackSender) -> None:
    response = slack.client.get(f"{slack.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,  # the clock has not ticked yet, but the process has only just started
        "database": "ok",
        "clock": "never ticked",
        "last_tick": None,
        "clock_age_seconds": None,
    }
