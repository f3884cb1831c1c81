"""The name Slack shows for a person, from a users.info or user_change user object."""

from __future__ import annotations

from bot.domain.names import MAX_NAME, display_name


def test_the_display_name_comes_first_then_the_full_name_then_the_handle() -> None:
    user = {
        "name": "bob",
        "real_name": "Robert Builder",
        "profile": {"display_name": "Bob", "real_name": "R B"},
    }
    assert display_name(user) == "Bob"
    assert display_name({**user, "profile": {"display_name": " ", "real_name": "R B"}}) == "R B"
    assert display_name({"name": "bob", "real_name": "Robert Builder", "profile": {}}) == "Robert Builder"
    assert display_name({"name": "bob"}) == "bob"
    assert display_name({}) is None


def test_a_name_is_one_line_within_the_column() -> None:
    assert display_name({"profile": {"display_name": "Bob\n\tBuilder"}}) == "Bob Builder"
    assert len(display_name({"profile": {"display_name": "x" * 500}}) or "") == MAX_NAME
