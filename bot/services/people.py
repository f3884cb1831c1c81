"""People's time zones: read from Slack through a Directory, cached, refreshed once a day."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from bot.domain.errors import DomainError
from bot.domain.names import display_name
from bot.services.pairs import Actor
from bot.store import people
from bot.store.db import SessionFactory

logger = logging.getLogger(__name__)

TIMEZONE_MAX_AGE = timedelta(hours=24)
FALLBACK_TIMEZONE = "UTC"


class DirectoryError(Exception):
    """Slack could not say (unreachable, rate limited); callers fall back to what is cached."""


class NotCached(DirectoryError):
    """The directory answers from the cache only (while Slack waits for an ack) and has no zone."""


class UnknownPerson(DomainError):
    """Slack says there is no such user."""

    def __init__(self, slack_user_id: str) -> None:
        super().__init__("I can't find {} in this workspace.", slack_user_id)


class NotAPerson(DomainError):
    """Slack says the user is a bot (or an app) or a deactivated account: nobody to meet with. Carries the
    zone Slack gave, for callers that only wanted that."""

    def __init__(self, slack_user_id: str, *, bot: bool, timezone: str) -> None:
        if bot:
            message = "{} is a bot, not a person: a 1:1 takes two people."
        else:
            message = "{} has a deactivated account, so there is nobody to meet with."
        super().__init__(message, slack_user_id)
        self.bot = bot
        self.timezone = timezone


class SlackBusy(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Slack is busy and I couldn't look up your time zone just now; nothing was saved. "
            "Please try again in a minute."
        )


class Unknown(Enum):
    """A directory that can't tell someone's Slack status (a test's fake, the cache): nothing changes."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN


class Directory(Protocol):
    def timezone(self, slack_user_id: str) -> str:
        """The person's IANA zone; UnknownPerson or DirectoryError when it cannot be had, NotAPerson for a bot
        or a deactivated account."""
        ...


def timezones(
    sessions: SessionFactory,
    directory: Directory,
    now: datetime,
    team_id: str,
    user_ids: Iterable[str],
    *,
    required: Iterable[str] = (),
    people_only: Iterable[str] = (),
) -> dict[str, str]:
    """Each person's zone: from the cache when fresh, else asked of Slack and remembered.

    Slack is asked outside any transaction, so a slow answer never holds a database lock. When Slack
    can't answer, a stale cached zone (or UTC) stands in, except for the `required` people, whose zone
    decides something lasting (a series' wall time): then the person is asked to try again. Among
    `people_only` (someone to start a 1:1 with) a bot or a deactivated account is refused (NotAPerson);
    anyone else's zone is used as Slack gave it, but not remembered, so a later check asks Slack again.
    """
    required, people_only = set(required), set(people_only)
    wanted = list(dict.fromkeys(user_ids))
    with sessions() as session:
        cached = people.cached_timezones(session, team_id, wanted)
    found: dict[str, str] = {}
    fetched: dict[str, str] = {}
    for user_id in wanted:
        zone, checked_at = cached.get(user_id, (None, None))
        if zone and checked_at and now - checked_at < TIMEZONE_MAX_AGE:
            found[user_id] = zone
            continue
        try:
            fetched[user_id] = found[user_id] = directory.timezone(user_id)
        except NotAPerson as refusal:
            if user_id in people_only:
                raise
            found[user_id] = refusal.timezone
        except NotCached:
            if not zone or user_id in people_only:
                raise  # the caller asks Slack once it has acknowledged, then comes back
            found[user_id] = zone  # a day old at worst; refreshed after the ack
        except DirectoryError as error:
            if user_id in required and not zone:
                raise SlackBusy() from error
            logger.warning("time zone of %s unavailable; using %s", user_id, zone or FALLBACK_TIMEZONE)
            found[user_id] = zone or FALLBACK_TIMEZONE
    if fetched:
        # The same users.info answer says whether their status means away (a directory that can't tell,
        # such as a test's fake, leaves it as it was).
        away_until = getattr(directory, "away_until", None)
        statuses = {user_id: away_until(user_id) for user_id in fetched} if away_until else {}
        name_of = getattr(directory, "name_of", None)
        names = {user_id: name_of(user_id) for user_id in fetched} if name_of else {}
        with sessions.begin() as session:
            people.remember_timezones(session, team_id, fetched, now)
            people.remember_names(session, team_id, {u: n for u, n in names.items() if isinstance(n, str)})
            people.remember_statuses(
                session, team_id, {u: until for u, until in statuses.items() if until is not UNKNOWN}
            )
    return found


# Judges a caller's cached time zone (the zone and when Slack said it; None: never) and gives the zone to
# answer in, or raises NotCached before anything is written (bot/slack/subcommands/zones.py makes one).
ZoneRule = Callable[[str | None, datetime | None], str]


def cached_zone(directory: Directory, now: datetime, user_id: str) -> ZoneRule:
    """`timezones`' rule for one person whose cached zone a caller already read (with other things, in one
    query): fresh, it stands; else `directory` is asked. Meant for a directory that answers from the cache
    alone (before the ack: it never calls Slack, so the rule can run inside a transaction): a stale zone
    then stands (and is refreshed after the ack), a missing one raises NotCached."""

    def rule(zone: str | None, checked_at: datetime | None) -> str:
        if zone and checked_at and now - checked_at < TIMEZONE_MAX_AGE:
            return zone
        try:
            return directory.timezone(user_id)
        except NotCached:
            if not zone:
                raise
            return zone  # a day old at worst

    return rule


def timezone_of(
    sessions: SessionFactory, directory: Directory, now: datetime, actor: Actor, *, required: bool = False
) -> str:
    users = [actor.user_id]
    return timezones(sessions, directory, now, actor.team_id, users, required=users if required else ())[
        actor.user_id
    ]


def learn_name(sessions: SessionFactory, team_id: str, user_id: str, user: dict[str, Any]) -> None:
    """A `user_change` event: the person's name as Slack now shows it, for someone the bot knows."""
    name = display_name(user)
    if name is not None:
        with sessions.begin() as session:
            people.remember_names(session, team_id, {user_id: name})
