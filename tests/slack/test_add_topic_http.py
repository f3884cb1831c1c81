"""`/1on1 help` and `/1on1 add-topic` through signed HTTP into the real Bolt app."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.domain.agenda import TOPIC_MAX_CHARS
from bot.store.base import Base
from bot.store.db import SessionFactory
from bot.store.models import Pair, Person, Topic
from tests.reliability_report import record
from tests.signing import SlackSender

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


def test_add_topic_with_a_person_stores_it_on_their_pair(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    body = reply_of(slack.command(f"add-topic <@{BOB}|bob> Career growth plan", user_id=ALICE))
    assert f"<@{BOB}>" in reply_text(body)
    assert ">Career growth plan" in reply_text(body)
    assert "No 1:1 is scheduled yet" in reply_text(body)
    assert topics(sessions) == [(ALICE, BOB, "Career growth plan")]


def test_add_topic_without_a_person_uses_the_only_pair(slack: SlackSender, sessions: SessionFactory) -> None:
    reply_of(slack.command(f"add-topic <@{BOB}> first", user_id=ALICE))
    # Bob has one 1:1 now (with Alice), so he need not name her.
    body = reply_of(slack.command("add-topic second", user_id=BOB))
    assert f"<@{ALICE}>" in reply_text(body)
    assert topics(sessions) == [(ALICE, BOB, "first"), (BOB, ALICE, "second")]


def test_echoed_topic_is_escaped(slack: SlackSender, sessions: SessionFactory) -> None:
    evil = "<!channel> see <https://evil.example|the docs> & more"
    text = reply_text(reply_of(slack.command(f"add-topic <@{BOB}> {evil}", user_id=ALICE)))
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; see &lt;https://evil.example|the docs&gt; &amp; more" in text
    # Stored as typed; escaping happens on the way out.
    assert topics(sessions) == [(ALICE, BOB, evil)]


def test_no_pair_and_no_person_is_refused_and_stores_nothing(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    text = reply_text(reply_of(slack.command("add-topic hello", user_id=ALICE)))
    assert "don't have any 1:1s yet" in text
    assert all(count == 0 for count in row_counts(sessions).values())


def test_several_pairs_and_no_person_asks_which(slack: SlackSender, sessions: SessionFactory) -> None:
    reply_of(slack.command(f"add-topic <@{BOB}> one", user_id=ALICE))
    reply_of(slack.command(f"add-topic <@{CAROL}> two", user_id=ALICE))
    before = row_counts(sessions)
    text = reply_text(reply_of(slack.command("add-topic which one?", user_id=ALICE)))
    assert "several people" in text and f"<@{BOB}>" in text and f"<@{CAROL}>" in text
    assert row_counts(sessions) == before


def test_a_1on1_with_yourself_is_refused(slack: SlackSender, sessions: SessionFactory) -> None:
    text = reply_text(reply_of(slack.command(f"add-topic <@{ALICE}> me, myself", user_id=ALICE)))
    assert "not yourself" in text
    assert all(count == 0 for count in row_counts(sessions).values())


def test_oversized_topic_names_the_limit(slack: SlackSender, sessions: SessionFactory) -> None:
    text = reply_text(reply_of(slack.command(f"add-topic <@{BOB}> {'x' * 5000}", user_id=ALICE)))
    assert f"the limit is {TOPIC_MAX_CHARS:,}" in text
    assert all(count == 0 for count in row_counts(sessions).values())


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
def test_forged_signature_is_rejected_and_changes_nothing(
    slack: SlackSender, sessions: SessionFactory
) -> None:
    response = slack.command(f"add-topic <@{BOB}> sneaky", user_id=ALICE, secret="not-the-secret")
    assert response.status_code == 401
    record("forged or stale requests rejected (401)", 1)
    assert all(count == 0 for count in row_counts(sessions).values())


@pytest.mark.reliability
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


def test_healthz_checks_the_database(slack: SlackSender) -> None:
    response = slack.client.get(f"{slack.base_url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok"}
