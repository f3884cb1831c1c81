"""The Directories the services ask for people's time zones: Slack's users.info, or the cache alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.away import profile_away_until
from bot.domain.cadence import validate_timezone
from bot.domain.errors import InvalidTimezone
from bot.domain.names import display_name
from bot.services.people import (
    FALLBACK_TIMEZONE,
    UNKNOWN,
    DirectoryError,
    NotAPerson,
    NotCached,
    Unknown,
    UnknownPerson,
)

SLACKBOT = "USLACKBOT"  # Slack's own bot: users.info doesn't call it one


class SlackDirectory:
    def __init__(self, client: WebClient) -> None:
        self._client = client
        # users.info's answer also carries the status and the name: kept until `away_until` and `name_of`
        # are asked for them.
        self._away: dict[str, datetime | None] = {}
        self._names: dict[str, str | None] = {}

    def timezone(self, slack_user_id: str) -> str:
        user = self._user(slack_user_id)
        self._away[slack_user_id] = profile_away_until(user.get("profile"))
        self._names[slack_user_id] = display_name(user)
        try:
            zone = validate_timezone(user.get("tz") or FALLBACK_TIMEZONE)
        except InvalidTimezone:
            # A zone this machine's tz database lacks; UTC is better than refusing the person.
            zone = FALLBACK_TIMEZONE
        if user.get("is_bot") or user.get("deleted") or slack_user_id == SLACKBOT:
            raise NotAPerson(slack_user_id, bot=not user.get("deleted"), timezone=zone)
        return zone

    def away_until(self, slack_user_id: str) -> datetime | Unknown | None:
        """Until when the status seen by the last `timezone` look-up said away (None: it didn't)."""
        return self._away.pop(slack_user_id, UNKNOWN)

    def name_of(self, slack_user_id: str) -> str | Unknown | None:
        """The name the last `timezone` look-up saw (None: Slack gave none)."""
        return self._names.pop(slack_user_id, UNKNOWN)

    def _user(self, slack_user_id: str) -> dict[str, Any]:
        try:
            return dict(self._client.users_info(user=slack_user_id)["user"])
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                raise UnknownPerson(slack_user_id) from None
            raise DirectoryError(str(error.response.get("error"))) from None
        except (SlackClientError, OSError) as error:
            raise DirectoryError(type(error).__name__) from None


def quick_directory(client: WebClient, seconds: float) -> SlackDirectory:
    """A directory that gives Slack `seconds` to answer, once: for a look-up someone is waiting on (a form's
    submission must be answered within Slack's 3 seconds). A late answer is a DirectoryError."""
    quick = WebClient(
        token=client.token,
        base_url=client.base_url,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers or {}),
        retry_handlers=[],  # no retry, no sleeping on a Retry-After: the person is told to try again
    )
    quick.timeout = seconds  # slack-sdk types the argument as int; urllib takes a float
    return SlackDirectory(quick)


class CacheOnly:
    """Used before the ack: never calls Slack, and remembers whom it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def timezone(self, slack_user_id: str) -> str:
        self.asked.append(slack_user_id)
        raise NotCached(slack_user_id)
