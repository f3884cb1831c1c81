"""What Slack is answered when the database fails or is too slow under a request.

Nobody sees a bare 500. A command gets the bot's own short reply; a form stays open with the reason
under its first field (so nothing typed is lost); a click is answered through its response_url; an event
gets a 503, so Slack delivers it again later. When the work merely runs past the request's budget, the
answer says so ("Saving…") and the outcome follows through the response_url (see `DedupingApp`).
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import BoltResponse

from bot.slack.blocks import replies

NOT_SAVED = "I couldn't save that just now, nothing was stored; please try again in a minute."
SAVING = "Saving… I'll confirm here in a moment."
STILL_SAVING = "Still saving. Press the button again in a moment to see it through."


def kind_of(body: dict[str, Any]) -> str:
    """ "command", "event", "block_actions", "view_submission", or another payload type."""
    if body.get("command"):
        return "command"
    if body.get("type") == "event_callback":
        return "event"
    return str(body.get("type") or "")


def not_saved_reply() -> replies.Reply:
    """What a person is told when the database refused their request's work."""
    return replies.reply(f":x: {NOT_SAVED}")


def not_saved(body: dict[str, Any]) -> BoltResponse:
    """The answer to a request whose work the database refused: nothing of it was stored."""
    return _answer(body, not_saved_reply(), form_text=NOT_SAVED)


def still_running(body: dict[str, Any]) -> BoltResponse:
    """The answer to a request whose work outlived its budget: it goes on, and the outcome follows."""
    return _answer(body, replies.reply(f":hourglass_flowing_sand: {SAVING}"), form_text=STILL_SAVING)


def _answer(body: dict[str, Any], command_reply: replies.Reply, *, form_text: str) -> BoltResponse:
    kind = kind_of(body)
    if kind == "command":
        return _json(command_reply)
    if kind == "event":
        # Slack delivers an event again after a non-2xx answer; the claim on its id keeps it to one effect.
        return BoltResponse(status=503, body="")
    if kind == "view_submission":
        field = first_input(body.get("view") or {})
        if field is not None:  # the form stays open with what the person typed
            return _json({"response_action": "errors", "errors": {field: form_text}})
    return BoltResponse(status=200, body="")


def first_input(view: dict[str, Any]) -> str | None:
    """The block id of a view's first input block (where a form-wide problem is shown)."""
    return next(
        (
            b.get("block_id")
            for b in view.get("blocks") or []
            if isinstance(b, dict) and b.get("type") == "input"
        ),
        None,
    )


def _json(payload: dict[str, Any]) -> BoltResponse:
    clean = {key: value for key, value in payload.items() if value is not None}
    return BoltResponse(status=200, body=json.dumps(clean), headers={"content-type": "application/json"})
