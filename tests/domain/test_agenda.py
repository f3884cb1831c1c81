"""What a topic, note or action item may be: cleaned of what can't be stored, within its limit."""

from __future__ import annotations

import pytest

from bot.domain.agenda import TOPIC_MAX_CHARS, clean_text, clean_topic, without_controls
from bot.domain.errors import EmptyText, TextTooLong


def test_control_characters_are_removed_but_newlines_and_tabs_stay() -> None:
    assert without_controls("a\x00b\x1fc\x7fd\n\te") == "abcd\n\te"


def test_a_one_line_topic_has_its_spaces_collapsed() -> None:
    assert clean_topic("  budget \t for   Q1  ") == "budget for Q1"


def test_a_text_of_several_lines_keeps_its_lines_and_inner_spaces() -> None:
    assert clean_text("  first  line\n  second\n", what="note", limit=100) == "first  line\n  second"


def test_an_empty_topic_is_refused() -> None:
    with pytest.raises(EmptyText, match="The topic is empty"):
        clean_topic(" \x00 \n ")


def test_a_topic_at_the_limit_is_kept_and_one_over_it_says_how_long_it_is_and_what_the_limit_is() -> None:
    assert clean_topic("x" * TOPIC_MAX_CHARS) == "x" * TOPIC_MAX_CHARS
    with pytest.raises(TextTooLong) as refused:
        clean_text("x" * 1201, what="note", limit=1200)
    assert refused.value.message == (
        "That note is 1,201 characters long; the limit is 1,200. Shorten it, or split it into several."
    )
    with pytest.raises(TextTooLong, match=r"^That topic is 501 characters long"):
        clean_topic("x" * (TOPIC_MAX_CHARS + 1))
