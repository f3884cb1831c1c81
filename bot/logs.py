"""Logging for the bot's processes: ids and error codes, never what people wrote.

slack_bolt and slack_sdk write whole request bodies and socket frames into a few of their log lines.
Raising those loggers' levels does not hold: building a Bolt `App` resets them to the root's level
(slack_bolt/logger/__init__.py, `_configure_from_root`). So the one handler installed here rewrites
those lines instead, keeping what happened (a rejected or unhandled request, and its kind) without
the payload; nothing Bolt does to its loggers reaches a handler's filter. It writes text lines, or with
LOG_FORMAT=json one JSON object per line (for a log pipeline), rewritten alike.
"""

from __future__ import annotations

import ast
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import parse_qs

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "bot"
_SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")
# Names of things (payload and event types, commands, action ids, Bolt's "CustomMiddleware(func=f)"),
# not sentences: anything else in their place is withheld.
_NAME = re.compile(r"[\w./:()=-]{1,64}")

# The library lines that carry a payload (all at INFO or above), each with the line written instead.
_PAYLOAD_LINES: tuple[tuple[re.Pattern[str], str], ...] = (
    # slack_bolt/middleware/request_verification/request_verification.py:67 (INFO): the raw body.
    (
        re.compile(
            r"Invalid request signature detected(?: \(.*?timestamp: (?P<ts>.*?), body: (?P<raw>.*)\))?", re.S
        ),
        "rejected a request with an invalid signature: {kind} (timestamp {ts})",
    ),
    # slack_bolt/app/app.py:647, logger/messages.py:183 (WARNING): a filtered body that still holds a
    # block_suggestion's typed value, a dialog's submission, an attachment action's values.
    (
        re.compile(r"Unhandled request(?: \((?P<repr>\{.*?\})\)(?=\n---|\Z))?", re.S),
        "unhandled request: {kind} (no listener matched)",
    ),
    # slack_bolt/app/app.py:581, logger/messages.py:101 (WARNING): the whole body.
    (
        re.compile(
            r"A global middleware \((?P<name>.*?)\) skipped(?:.*?for the request \((?P<repr>.*)\))?", re.S
        ),
        "global middleware {name} neither called next() nor responded: {kind}",
    ),
    # slack_bolt/adapter/socket_mode/internals.py:55 (INFO): the response body, which may quote the request.
    (
        re.compile(r"Unsuccessful Bolt execution result \(status: (?P<status>\d*)"),
        "unsuccessful Bolt execution result (status {status})",
    ),
    # slack_sdk/socket_mode/builtin/connection.py:411 (WARNING): the frame's payload.
    (
        re.compile(
            r"Received an unsupported data frame(?: \(session id: (?P<session>.*?), opcode: (?P<opcode>\w*))?"
        ),
        "received an unsupported data frame (session id {session}, opcode {opcode}); payload not logged",
    ),
)


def configure(stream: TextIO | None = None, log_format: str = "text") -> logging.Handler:
    """Log INFO and above to stderr (or `stream`) through one handler that withholds Slack payloads, as
    text lines or (`log_format="json"`) JSON lines."""
    root = logging.getLogger()
    for old in [handler for handler in root.handlers if handler.name == HANDLER_NAME]:
        root.removeHandler(old)  # configured again: still one handler
    handler = logging.StreamHandler(stream)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(FORMAT))
    handler.addFilter(WithholdSlackPayloads())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # APScheduler logs every run of the minute tick at INFO; keep its warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line: time (ISO 8601, UTC), level, logger, message, and the
    exception's text when there is one (its newlines escaped, so a traceback stays one line)."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        line: dict[str, str] = {
            "time": at.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


class WithholdSlackPayloads(logging.Filter):
    """Rewrites slack_bolt's and slack_sdk's lines that carry a payload; drops their DEBUG lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(_SLACK_LIBRARIES):
            return True
        if record.levelno < logging.INFO:
            # Their DEBUG lines dump payloads wholesale: Web API arguments and answers, socket frames.
            return False
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the handler reports it as logging does
            return True
        for pattern, template in _PAYLOAD_LINES:
            match = pattern.match(message)
            if match:
                record.msg, record.args = _rewrite(match, template), ()
                break
        return True


def _rewrite(match: re.Match[str], template: str) -> str:
    fields = match.groupdict()
    names = {key: _name(value) for key, value in fields.items() if key not in ("raw", "repr")}
    return template.format(kind=_kind(_body(fields.get("raw"), fields.get("repr"))), **names)


def _body(raw: str | None, shown: str | None) -> Any:
    """The request as Bolt had it: a raw body (JSON or form), or a dict as Python prints it."""
    try:
        if raw:
            if raw.startswith("{"):
                return json.loads(raw)
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            return json.loads(form["payload"]) if "payload" in form else form
        if shown:
            return ast.literal_eval(shown)
    except Exception:  # a forged body can be anything; the line then just says less
        pass
    return None


def _kind(body: Any) -> str:
    """What sort of request: Slack's and our names (type, event type, command, action), not people's words."""
    if not isinstance(body, dict):
        return "unknown request"
    event, view = body.get("event"), body.get("view")
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
    names = (
        body.get("command"),
        body.get("type"),
        event.get("type") if isinstance(event, dict) else None,
        body.get("action_id") or action.get("action_id"),
        body.get("callback_id") or (view.get("callback_id") if isinstance(view, dict) else None),
    )
    known = [name for name in names if isinstance(name, str) and _NAME.fullmatch(name)]
    return " ".join(known) or "unknown request"


def _name(value: str | None) -> str:
    return value if value is not None and _NAME.fullmatch(value) else "?"
