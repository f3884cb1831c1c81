"""Block Kit builders stay inside Slack's limits however long the agenda gets."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.outbox import MessageKind
from bot.services.agenda import ActionLine, AgendaView, TopicLine
from bot.slack.blocks.agenda import prompt_blocks
from bot.slack.blocks.common import SECTION_LIMIT, bullets, context, to_dicts
from bot.slack.messages import KINDS


def test_bullets_cut_with_and_n_more_within_the_limit() -> None:
    text = bullets("*Agenda*", ["x" * 100] * 100)
    assert len(text) <= SECTION_LIMIT
    shown = text.count("\n• ")
    assert text.endswith(f"…and {100 - shown} more")


def test_short_lists_are_not_cut() -> None:
    assert bullets("*T*", ["a", "b"]) == "*T*\n• a\n• b"


def test_messages_keep_to_fifty_blocks() -> None:
    blocks = to_dicts([context(str(i)) for i in range(80)])
    assert len(blocks) == 50
    assert blocks[-1]["elements"][0]["text"] == "…and 31 more"


def test_a_huge_agenda_renders_within_slack_limits() -> None:
    topics = [TopicLine(i, "<!channel> " + "t" * 480, "UBOB0001") for i in range(200)]
    actions = [ActionLine(i, "a" * 400, "UBOB0001", date(2026, 1, 1), True) for i in range(100)]
    view = AgendaView(
        viewer_user_id="UBOB0001",
        other_user_id="UALICE01",
        report_user_id="UBOB0001",
        meeting_id=1,
        starts_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
        timezone="Europe/Berlin",
        topics=topics,
        carried_over=topics,
        actions=actions,
        question="What are you proud of?",
    )
    blocks = to_dicts(prompt_blocks(view))
    assert len(blocks) <= 50
    for block in blocks:
        text = (block.get("text") or {}).get("text", "")
        assert len(text) <= SECTION_LIMIT
        assert "<!channel>" not in text
    assert any("more" in (b.get("text") or {}).get("text", "") for b in blocks)


def test_every_message_kind_has_one_row_saying_how_it_loads_and_renders() -> None:
    assert set(KINDS) == set(MessageKind)
