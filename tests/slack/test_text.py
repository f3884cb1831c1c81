import re

import pytest

from bot.domain.errors import DomainError
from bot.slack.text import escape, escape_clipped, from_slack, plain, said, said_plainly


def test_escape_neutralises_slack_control_sequences() -> None:
    assert escape("<!channel> & <https://evil.example|docs>") == (
        "&lt;!channel&gt; &amp; &lt;https://evil.example|docs&gt;"
    )


def test_escape_is_not_applied_twice_by_accident() -> None:
    # An already escaped entity is escaped again: the reader sees exactly what was typed.
    assert escape("&amp;") == "&amp;amp;"


# ------------------------------------------------------------------ what Slack sent, as people meant it


@pytest.mark.parametrize(
    ("sent", "meant"),
    [
        ("R&amp;D budget", "R&D budget"),
        ("&lt;b&gt;bold&lt;/b&gt; &amp;lt;", "<b>bold</b> &lt;"),  # "&amp;lt;" is a typed "&lt;"
        ("ask <@U0123ABC|carol> and <@W0123ABC>", "ask <@U0123ABC> and <@W0123ABC>"),
        ("in <#C0123ABC|general>", "in <#C0123ABC>"),
        ("<!here> <!channel> <!everyone|everyone>", "@here @channel @everyone"),
        ("<!subteam^S0123|@platform> team", "@platform team"),
        ("<!subteam^S0123> team", "@subteam team"),  # no handle sent: the group's kind, never its id
        ("<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"),
        ("<https://example.com>", "https://example.com"),
        ("<http://example.com|example.com>", "example.com"),  # Slack linked a typed address
        ("<https://evil.example|the docs>", "the docs (https://evil.example)"),
        ("<https://a.example/?a=1&amp;b=2|x>", "x (https://a.example/?a=1&b=2)"),
        # A label matching only the end of a link (after a second "://") is not its address.
        (
            "<https://evil.example/?u=http://bank.example|bank.example>",
            "bank.example (https://evil.example/?u=http://bank.example)",
        ),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("<@lowercase|x>", "x"),  # not a user id: its label
    ],
)
def test_from_slack_keeps_what_the_person_meant(sent: str, meant: str) -> None:
    assert from_slack(sent) == meant


def test_escape_keeps_stored_mentions_live_and_escapes_the_rest_once() -> None:
    stored = "R&D with <@U0123ABC> in <#C0123ABC>, <!channel> <@lower>"
    assert escape(stored) == "R&amp;D with <@U0123ABC> in <#C0123ABC>, &lt;!channel&gt; &lt;@lower&gt;"


def test_what_slack_sends_comes_back_out_escaped_exactly_once() -> None:
    # The round trip a topic makes: Slack's escapes in, the same escapes out, nothing doubled.
    sent = "R&amp;D &lt;Q1&gt; <@U0123ABC>"
    assert escape(from_slack(sent)) == sent


@pytest.mark.parametrize("limit", range(1, 40))
def test_a_clipped_text_is_cut_on_what_was_typed_never_inside_an_escape_or_mention(limit: int) -> None:
    text = "a&b<c> <@U0123ABC> &&&"
    clipped = escape_clipped(text, limit)
    assert len(clipped) <= limit
    if len(escape(text)) <= limit:
        assert clipped == escape(text)  # whole whenever it fits
    if clipped != escape(text):
        assert clipped.endswith("…")
        kept = clipped.removesuffix("…")
        assert escape(text).startswith(kept)  # a prefix of the escaped whole...
        assert from_slack(kept) == text[: len(from_slack(kept))]  # ...that is a prefix of what was typed
        assert not re.search(r"&(?!amp;|lt;|gt;)|&\w*$|<@[^>]*$", kept)


def test_a_refusal_names_people_as_mentions_in_mrkdwn_and_in_words_where_text_is_plain() -> None:
    error = DomainError("You don't have a 1:1 with {}. Try `/1on1 schedule` & <day>", "U0123ABC")
    assert said(error) == "You don't have a 1:1 with <@U0123ABC>. Try `/1on1 schedule` &amp; &lt;day&gt;"
    assert said_plainly(error) == "You don't have a 1:1 with that person. Try /1on1 schedule & <day>"
    assert said(DomainError("Braces {} stay when nobody is named")) == "Braces {} stay when nobody is named"


@pytest.mark.parametrize(
    ("text", "limit", "clipped"),
    [
        ("abcdef", 6, "abcdef"),
        ("abcdef", 5, "abcd…"),  # as much as fits, with the "…"
        ("a&b", 5, "a…"),  # "&amp;" does not fit whole, so it is left out whole
        ("a&bc", 7, "a&amp;…"),
        ("hi <@U0123ABC> there", 14, "hi …"),
        ("hi <@U0123ABC> there", 15, "hi <@U0123ABC>…"),
    ],
)
def test_a_clipped_text_keeps_as_much_as_fits(text: str, limit: int, clipped: str) -> None:
    assert escape_clipped(text, limit) == clipped


def test_plain_text_shows_a_stored_mention_as_its_id_and_nothing_else_changes() -> None:
    assert plain("ask <@U0123ABC> in <#C0123ABC> about R&D <b> <@lower>") == (
        "ask @U0123ABC in #C0123ABC about R&D <b> <@lower>"
    )


def test_a_refusal_naming_nobody_keeps_its_braces_in_plain_text_too() -> None:
    assert said_plainly(DomainError("Braces {} stay; `code` goes")) == "Braces {} stay; code goes"
