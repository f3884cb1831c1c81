"""Bolt middleware that notices a workspace coming back: Slack sends requests only to an installed app, so
one from a workspace that had left means it reinstalled the app. A Grid workspace's organisation is learned
too: its messages may go with an org-wide token.

A class, not a decorated function: Bolt inspects a function middleware's arguments on every request, which
cost more than the check itself. It runs after Bolt has verified the request, so a forged body cannot make
it read or write anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.services.workspaces import Comebacks
from bot.slack.after_ack import AfterAck
from bot.slack.dedup import answered_from_memory


class WorkspaceBack(Middleware):
    def __init__(self, comebacks: Comebacks, later: AfterAck) -> None:
        self._comebacks = comebacks
        self._later = later

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        event_type = (body.get("event") or {}).get("type")
        if isinstance(team, str) and team and self._comebacks.due(team, event_type):
            read = partial(self._comebacks.read, team, event_type, _enterprise_of(body))
            if answered_from_memory(req):
                # This request runs without a deadline guard, so it must not wait on the database.
                self._later.run(read, f"noticing workspace {team}")
            else:
                read()
        return next()


def _enterprise_of(body: dict[str, Any]) -> str | None:
    """The Grid organisation a request came from: `enterprise_id` (commands, events) or `enterprise.id`
    (interactions); None outside Grid."""
    enterprise = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
    return enterprise if isinstance(enterprise, str) and enterprise else None
