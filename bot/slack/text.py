"""The one place that knows Slack's text format: what people meant on the way in, escaped once on the way out.

Slack sends typed `&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`, and what the composer inserted as tokens:
`<@U123|name>`, `<#C123|name>`, `<!here>`, `<https://example.com|label>` ("Formatting text for app
surfaces"). We store what the person meant: plain text in which a mentioned person or channel stays
`<@U123>` / `<#C123>` (an id, so it renders as a live mention), `<!here>` becomes the words "@here"
(which notify nobody when a bot posts them), and a link becomes its address (with its label, if it had
one, so a link can't pretend to be something else). On the way out everything but those two mention
forms is escaped, exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.domain.errors import DomainError
from bot.domain.names import FORMER_PARTICIPANT, is_placeholder

# Mentions we keep in stored text. Slack's ids are upper-case letters and digits.
_STORED_MENTION = re.compile(r"<(?:@[UW]|#C)[A-Z0-9]+>")
# Any Slack token in incoming text: `<` up to the next `>` (typed `<`/`>` arrive escaped).
_TOKEN = re.compile(r"<([^<>]*)>")
_SPECIAL = {"here", "channel", "everyone"}
_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))  # &amp; last: "&amp;lt;" means "&lt;"


def _split(text: str, tokens: re.Pattern[str]) -> Iterator[tuple[bool, str]]:
    """The text in order as (is a token, piece): the runs between `tokens` matches, and each match."""
    last = 0
    for match in tokens.finditer(text):
        yield False, text[last : match.start()]
        yield True, match.group(0)
        last = match.end()
    yield False, text[last:]


def from_slack(raw: str) -> str:
    """What the person meant by text Slack sent in a command or message (see the module doc)."""
    return "".join(
        _meant_token(piece[1:-1]) if token else _unescape(piece) for token, piece in _split(raw, _TOKEN)
    )


def _meant_token(inner: str) -> str:
    target, _, label = inner.partition("|")
    label = _unescape(label)
    if target[:1] in ("@", "#"):
        token = f"<{target}>"
        return token if _STORED_MENTION.fullmatch(token) else label or target
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name in _SPECIAL:
            return f"@{name}"
        # <!subteam^S123|@team>, <!date^…|fallback>: the words Slack itself would show.
        return label or f"@{name}"
    url = _unescape(target)
    address = url.removeprefix("mailto:")
    if not label or label in (url, address, url.split("://", 1)[-1]):
        return label or url  # a bare link, or one Slack made of what was typed ("example.com")
    return f"{label} ({address})"


def _unescape(text: str) -> str:
    for entity, char in _ESCAPES:
        text = text.replace(entity, char)
    return text


def escape(text: str) -> str:
    """Stored text as mrkdwn: `&`, `<`, `>` escaped, stored mentions kept live.

    Without this, a topic like `<!channel>` or `<https://evil|docs>` would ping everyone or
    disguise a link when echoed back.
    """
    return "".join(
        piece if mention else _escape_all(piece) for mention, piece in _split(text, _STORED_MENTION)
    )


def _escape_all(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_clipped(text: str, limit: int) -> str:
    """`escape(text)` within `limit` characters, cut on what the person typed, never inside an escape.

    A cut ends with "…"; a mention is kept whole or left out whole.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    out: list[str] = []
    used = 1  # room for the "…"
    for piece in _pieces(text):
        shown = escape(piece)
        if used + len(shown) > limit:
            break
        out.append(shown)
        used += len(shown)
    return "".join(out) + "…"


def _pieces(text: str) -> list[str]:
    """The text as characters, with each stored mention one piece."""
    return [p for mention, run in _split(text, _STORED_MENTION) for p in ([run] if mention else run)]


def mention(slack_user_id: str) -> str:
    """A live mention; someone who deleted their data is "a former participant", in words (no id)."""
    return FORMER_PARTICIPANT if is_placeholder(slack_user_id) else f"<@{slack_user_id}>"


def plain(text: str) -> str:
    """Stored text for a plain_text field, where Slack shows `<@U123>` as it is: "@U123" reads better."""
    return _STORED_MENTION.sub(lambda m: m.group(0)[1:-1], text)


def said(error: DomainError) -> str:
    """A refusal as mrkdwn: its words escaped once, the people it names as live mentions."""
    text = escape(error.message)
    return text.format(*(mention(user_id) for user_id in error.people)) if error.people else text


def said_plainly(error: DomainError) -> str:
    """A refusal for a plain-text place (a form field's error), where Slack would show markup raw."""
    text = error.message.replace("`", "")
    return text.format(*("that person" for _ in error.people)) if error.people else text


def link_target(url: str) -> str:
    """A stored https URL as the target of a `<url|label>` link: `&`, `<`, `>` escaped, `|` (which would end
    the target) encoded; anything that is not an https URL links nowhere harmful ("#")."""
    if not url.startswith("https://") or any(c.isspace() for c in url):
        return "#"
    return _escape_all(url).replace("|", "%7C")
