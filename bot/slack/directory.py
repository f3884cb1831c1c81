"""The Directories the services ask for people's time zones: Slack's users.info, or the cache alone."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.cadence import validate_timezone
from bot.domain.errors import InvalidTimezone
from bot.services.people import FALLBACK_TIMEZONE, DirectoryError, NotCached, UnknownPerson


class SlackDirectory:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def timezone(self, slack_user_id: str) -> str:
        try:
            user = self._client.users_info(user=slack_user_id)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                raise UnknownPerson(slack_user_id) from None
            raise DirectoryError(str(error.response.get("error"))) from None
        except (SlackClientError, OSError) as error:
            raise DirectoryError(type(error).__name__) from None
        try:
            return validate_timezone(user.get("tz") or FALLBACK_TIMEZONE)
        except InvalidTimezone:
            # A zone this machine's tz database lacks; UTC is better than refusing the person.
            return FALLBACK_TIMEZONE


class CacheOnly:
    """Used before the ack: never calls Slack, and remembers whom it was asked about."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def timezone(self, slack_user_id: str) -> str:
        self.asked.append(slack_user_id)
        raise NotCached(slack_user_id)
