"""A form body read as Slack meant it, whatever words people typed.

slack_bolt 1.30's `parse_body` looks for the substring "payload" anywhere in a form body to tell an
interactivity payload from a slash command, so `/1on1 add-topic check the payload format` parses to
`{}` and goes unanswered (404). Here the form is parsed first and its `payload` *field* decides.
Socket Mode hands Bolt a dict and is not affected.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltRequest
from slack_bolt.context import BoltContext
from slack_bolt.request.internals import build_context

FORM = "application/x-www-form-urlencoded"


def repair(req: BoltRequest) -> None:
    """Re-read an HTTP form body that Bolt misread, and the context it derived from it."""
    if "payload" not in req.raw_body:  # Bolt misreads only a body with that word in it; most have none
        return
    if req.mode != "http" or req.content_type != FORM or req.raw_body.startswith("{"):
        return
    fields = dict(parse_qsl(req.raw_body, keep_blank_values=True))
    body: Any = fields
    if "payload" in fields:
        try:
            body = json.loads(fields["payload"])
        except ValueError:
            return  # a garbled payload: leave Bolt's reading (and its answer) alone
    if isinstance(body, dict) and body != req.body:
        req.body = body
        req.context = build_context(BoltContext(dict(req.context)), body)
