"""A calendar feed's secret: long and random, handed out once, stored only as its SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets

# token_urlsafe(32): 32 random bytes, 43 characters of the URL-safe base64 alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_PATH = re.compile(r"/calendar/(?P<token>[^/]*)\.ics")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored (Person.calendar_token_hash): a leaked database gives no working address."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def token_in_path(path: str) -> str | None:
    """The token of `/calendar/<token>.ics`; None for any other path or a malformed token (both are
    answered alike: a 404, with no database read for a token that can't be one)."""
    found = _PATH.fullmatch(path)
    if found is None or not _TOKEN.fullmatch(found["token"]):
        return None
    return found["token"]


def is_feed_path(path: str) -> bool:
    return path.startswith("/calendar/")
