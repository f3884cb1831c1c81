from bot.slack.text import escape


def test_escape_neutralises_slack_control_sequences() -> None:
    assert escape("<!channel> & <https://evil.example|docs>") == (
        "&lt;!channel&gt; &amp; &lt;https://evil.example|docs&gt;"
    )


def test_escape_is_not_applied_twice_by_accident() -> None:
    # An already escaped entity is escaped again: the reader sees exactly what was typed.
    assert escape("&amp;") == "&amp;amp;"
