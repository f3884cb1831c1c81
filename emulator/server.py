"""The emulated Web API's HTTP side: serving ``/api/<method>`` and ``/response/<id>``, and recording both.

A call is parsed (query string, form or JSON body), answered with an injected fault, an auth error, a rate
limit or its method's handler, and recorded as a :class:`Call`; a post to a response_url is checked against
Slack's limits for those and recorded as a :class:`ResponsePost`. Tests wait for either.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from emulator.blocks import checked_message_blocks, refusal
from emulator.faults import Faults, RateLimiting
from emulator.ids import APP_TOKEN
from emulator.methods.files import UPLOAD_PATH
from emulator.methods.oauth import AUTHORIZE_V1, AUTHORIZE_V2, basic_credentials
from emulator.socket_mode import SocketModeServer
from emulator.teams import Grant
from emulator.waiting import wait_until
from emulator.workspace import ApiError, fail, truthy

RESPONSE_URL_MAX_POSTS = 5  # "up to 5 times within 30 minutes"
RESPONSE_URL_TTL = 30 * 60
# Methods that take the app-level token (xapp-) and refuse others; every other method refuses it.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# Methods that take no token: the app's client id and secret instead (HTTP Basic auth or form fields).
_CLIENT_METHODS = frozenset({"oauth.v2.access", "oauth.v2.exchange"})
_SECRET_ARGS = ("client_secret",)  # recorded as "<redacted>": a test reads calls, and may print them
_STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """One recorded Web API request and the answer the emulator gave."""

    method: str
    args: dict[str, Any]
    token: str | None
    http_status: int
    response: dict[str, Any]
    at: float
    injected: bool = False  # produced by fail_next / set_fault_rate
    # The workspace the call was answered as: its token's, or for an org-wide token the workspace of the
    # user or conversation it named (else the organization's id). None for a call without a bot token.
    team_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.http_status == 200 and bool(self.response.get("ok"))


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a response_url; ``http_status`` != 200 means the emulator refused it.

    ``problems`` says why blocks were refused (Slack answers only the code, e.g. ``invalid_blocks``).
    """

    url: str
    payload: dict[str, Any]
    http_status: int
    at: float
    problems: tuple[str, ...] = ()


def _parse_body(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
    """Normalise query string + form/JSON body into one args dict (JSON strings decoded)."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if raw:
        if not ctype:
            raise fail("missing_post_type")
        if ctype == "application/json":
            try:
                data = json.loads(raw)
            except ValueError:
                raise fail("invalid_json") from None  # GUESS: Slack's answer to a malformed JSON body
            if not isinstance(data, dict):
                raise fail("invalid_json")
            args.update(data)
        elif ctype in ("application/x-www-form-urlencoded", "text/plain"):
            args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        else:  # multipart/form-data is valid for Slack but only used for file uploads; not emulated
            raise fail("invalid_post_type")
    for key in ("blocks", "attachments", "view"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):  # else left as a string: handlers answer the format error
                args[key] = json.loads(args[key])
    return args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: WebApiServer


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.server.emulator._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


class WebApiServer(Faults, RateLimiting):
    """The HTTP server on 127.0.0.1 and what it recorded; ``_handlers`` maps a method to its handler."""

    _basic_auth: tuple[str, str] | None
    _authorize_page: Callable[[str, str], tuple[int, str, dict[str, str]]]  # emulator/methods/oauth.py
    _grant_of: Callable[[str], Grant]  # emulator/installs.py

    port: int
    socket_mode: SocketModeServer
    _server: _Server | None
    _thread: threading.Thread | None
    _handlers: dict[str, Handler]
    _upload_post: Callable[[str, bytes], tuple[int, str]]  # emulator/methods/files.py

    def _reset_server(self) -> None:
        self.valid_app_tokens: set[str] = {APP_TOKEN}
        self.latency = 0.0  # seconds every Web API and response_url answer waits (set_latency)
        self._calls: list[Call] = []
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._response_posts: list[ResponsePost] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        if self._server is None:
            self._server = _Server(("127.0.0.1", self.port), _RequestHandler)
            self._server.emulator = self
            serve = self._server.serve_forever
            self._thread = threading.Thread(target=lambda: serve(poll_interval=0.05), daemon=True)
            self._thread.start()
            self.socket_mode.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.socket_mode.stop()
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; slack-sdk appends the method name."""
        return f"{self.base}/api/"

    def set_latency(self, seconds: float) -> None:
        """Answer every Web API call and response_url post `seconds` late, after doing its work.

        Slack's answers are not always quick; an app that waits for one before acknowledging a
        request misses Slack's 3-second deadline.
        """
        self.latency = seconds

    def new_response_url(self) -> str:
        """Issue a response_url served by this emulator (5 posts within 30 minutes)."""
        path = f"/response/{uuid.uuid4().hex}"
        with self._cond:
            self._response_urls[path] = {"issued": self.clock(), "posts": 0}
        return self.base + path

    # ------------------------------------------------------------------ inspection
    def calls(self, method: str | None = None, *, team_id: str | None = None) -> list[Call]:
        """Recorded calls (to ``method``, answered as the workspace ``team_id``: see ``Call.team_id``)."""
        with self._cond:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method) and (team_id is None or c.team_id == team_id)
            ]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda call: True,
        count: int = 1,
        timeout: float = 5.0,
        *,
        include_errors: bool = False,
    ) -> list[Call]:
        """Block until ``count`` ok (or, with include_errors, any non-injected) matching calls exist."""

        def matched() -> list[Call]:
            return [
                c
                for c in self._calls
                if c.method == method and not c.injected and (include_errors or c.ok) and predicate(c)
            ]

        return wait_until(
            self._cond,
            lambda: calls if len(calls := matched()) >= count else None,
            timeout,
            lambda: self._timeout_report(method, count, len(matched()), timeout),
        )

    def _timeout_report(self, method: str, count: int, got: int, timeout: float) -> str:
        lines = [f"timed out after {timeout}s waiting for {count} ok {method} call(s); {got} matched."]
        lines.append(f"Recorded calls ({len(self._calls)}):" if self._calls else "No calls were recorded.")
        for i, c in enumerate(self._calls):
            args = json.dumps(c.args, default=str)
            outcome = "ok" if c.ok else f"error={c.response.get('error')}"
            tag = " (injected)" if c.injected else ""
            lines.append(f"  [{i}] {c.method} http={c.http_status} {outcome}{tag} args={args[:200]}")
        return "\n".join(lines)

    def response_posts(self, url: str | None = None) -> list[ResponsePost]:
        with self._cond:
            return [p for p in self._response_posts if url is None or p.url == url]

    def wait_for_response_posts(
        self, count: int = 1, url: str | None = None, timeout: float = 5.0
    ) -> list[ResponsePost]:
        """Block until ``count`` accepted posts (to ``url``, or any) were recorded."""

        def accepted() -> list[ResponsePost]:
            return [p for p in self.response_posts(url) if p.http_status == 200]

        return wait_until(
            self._cond,
            lambda: posts if len(posts := accepted()) >= count else None,
            timeout,
            lambda: f"timed out waiting for {count} response_url post(s); got {accepted()!r}",
        )

    # ------------------------------------------------------------------ HTTP plumbing
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(req.path)
        raw = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        headers: dict[str, str] = {}
        if parts.path.startswith("/api/"):
            method = parts.path[len("/api/") :]
            status, body, headers = self._api(method, req, raw, parts.query)
            data = json.dumps(body).encode()
            ctype = "application/json; charset=utf-8"
            hold = self._hold_for(method, bool(body.get("ok")))
            if hold is not None:
                hold.release.wait(60)
        elif parts.path.startswith(UPLOAD_PATH):  # a file's bytes, to the URL files.getUploadURLExternal gave
            status, text = self._upload_post(parts.path, raw)
            data, ctype = text.encode(), "text/plain; charset=utf-8"
        elif parts.path.startswith("/response/"):
            status, text = self._response_post(parts.path, raw)
            data, ctype = text.encode(), "text/plain; charset=utf-8"
        elif parts.path in (AUTHORIZE_V2, AUTHORIZE_V1) and req.command == "GET":
            status, text, headers = self._authorize_page(parts.path, parts.query)
            data, ctype = text.encode(), headers.pop("Content-Type", "text/plain; charset=utf-8")
        else:
            status, data, ctype = 404, b"not found", "text/plain"
        if self.latency:
            # Slack has done the work but answers late, as on a slow day (see set_latency).
            threading.Event().wait(self.latency)
        req.send_response(status)
        req.send_header("Content-Type", ctype)
        req.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            req.send_header(key, value)
        req.end_headers()
        # The caller may be gone (a killed process): Slack would not notice either.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            req.wfile.write(data)

    def _api(
        self, method: str, req: BaseHTTPRequestHandler, raw: bytes, query: str
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, headers, injected = 200, {}, False
        args: dict[str, Any] = {}
        token: str | None = None
        with self._cond:
            try:
                args = _parse_body(req.headers.get("Content-Type", ""), raw, query)
                auth = req.headers.get("Authorization", "")
                form_token = args.pop("token", None)
                token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else form_token
                if method in _CLIENT_METHODS and token:
                    # oauth.v2.exchange's ``token`` (slack_sdk sends it as a Bearer) is the one to exchange.
                    args["token"], token = token, None
                self._basic_auth = basic_credentials(auth) if method in _CLIENT_METHODS else None
                handler = self._handlers.get(method)
                if handler is None:
                    raise fail("unknown_method")
                fault = self._take_fault(method)
                if fault is not None:
                    injected, status = True, fault.status
                    if fault.status == 429:
                        headers["Retry-After"] = str(fault.retry_after)
                    raise fail(fault.error or _STATUS_ERRORS.get(fault.status, "fatal_error"))
                if method not in _CLIENT_METHODS:
                    if not token:
                        raise fail("not_authed")
                    self._caller = self._check_token(method, token)
                retry_after = self._retry_after(method, args)
                if retry_after is not None:
                    status, headers["Retry-After"] = 429, str(retry_after)
                    raise fail("ratelimited")
                body = {"ok": True, **handler(args)}
            except ApiError as exc:
                body = exc.body
            except Exception as exc:  # an emulator bug: answer like a Slack outage, but say why
                status, body = 500, {"ok": False, "error": "internal_error", "emulator_exception": repr(exc)}
            finally:
                team_id = self._answered_as()
                self._caller, self._acted_team, self._basic_auth = None, None, None
            recorded = {k: "<redacted>" if k in _SECRET_ARGS else v for k, v in args.items()}
            self._calls.append(Call(method, recorded, token, status, body, time.time(), injected, team_id))
            self._cond.notify_all()
        return status, body, headers

    def _answered_as(self) -> str | None:
        grant = self._caller
        if grant is None:
            return None
        return self._acted_team or grant.team_id or grant.enterprise_id

    def _response_post(self, path: str, raw: bytes) -> tuple[int, str]:
        # Slack documents the 5-posts-in-30-minutes limit but not the answer past it. GUESS: as for incoming
        # webhooks, errors are plain-text codes: 404 used_url / expired_url, 400 invalid_payload / no_text /
        # invalid_blocks (invalid_blocks_format, GUESS, when blocks is not a list).
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        problems: tuple[str, ...] = ()
        with self._cond:
            entry = self._response_urls.get(path)
            if not isinstance(payload, dict):
                status, text = 400, "invalid_payload"
            elif entry is None or self.clock() - entry["issued"] > RESPONSE_URL_TTL:
                status, text = 404, "expired_url"
            elif entry["posts"] >= RESPONSE_URL_MAX_POSTS:
                status, text = 404, "used_url"
            elif not (
                payload.get("text")
                or payload.get("blocks")
                or payload.get("attachments")
                or truthy(payload.get("delete_original"))
            ):
                status, text = 400, "no_text"
            elif refused := self._refused_blocks(payload):
                (text, problems), status = refused, 400
            else:
                entry["posts"] += 1
                status, text = 200, "ok"
            post = ResponsePost(self.base + path, payload or {}, status, time.time(), problems)
            self._response_posts.append(post)
            self._cond.notify_all()
        return status, text

    @staticmethod
    def _refused_blocks(payload: dict[str, Any]) -> tuple[str, tuple[str, ...]] | None:
        # Slack's webhooks refuse blocks it would refuse in chat.postMessage, with a 400 and the bare code
        # "invalid_blocks" (slackapi/java-slack-sdk#1017: "a 400 invalid_blocks ... no error message").
        try:
            checked_message_blocks(payload.get("blocks"))
        except ApiError as exc:
            return refusal(exc)
        return None

    def _check_token(self, method: str, token: str) -> Grant | None:
        """The bot token's grant (None for the app-level token), or Slack's answer for the token.

        A known token of the wrong kind answers not_allowed_token_type (apps.connections.open's reference
        lists it for a bot token); an unknown token invalid_auth; a revoked or expired bot token
        token_revoked / token_expired (emulator/installs.py)."""
        if method in _APP_TOKEN_METHODS:
            if token in self.valid_app_tokens:
                return None
            self._grant_of(token)  # an unknown, revoked or expired bot token answers that first
            raise fail("not_allowed_token_type")
        if token in self.valid_app_tokens:
            raise fail("not_allowed_token_type")
        return self._grant_of(token)
